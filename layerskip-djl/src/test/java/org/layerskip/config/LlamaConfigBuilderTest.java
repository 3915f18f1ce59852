package org.layerskip.config;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.List;

/** The builder, the presets and the one JSON reader/writer of {@link LlamaConfig}. */
public class LlamaConfigBuilderTest {

    @Test
    public void presetsHaveThePublishedParameterCounts() {
        Assert.assertEquals(LlamaPreset.LLAMA2_7B.config().parameterCount(), 6_738_415_616L);
        Assert.assertEquals(LlamaPreset.LLAMA3_8B.config().parameterCount(), 8_030_261_248L);
        Assert.assertEquals(LlamaPreset.LLAMA3_2_1B.config().parameterCount(), 1_235_814_400L);
        LlamaConfig tiny = LlamaPreset.TINY.config();
        Assert.assertEquals(
                List.of(
                        tiny.vocabSize(),
                        tiny.hiddenSize(),
                        tiny.numLayers(),
                        tiny.numKvHeads(),
                        tiny.headDim()),
                List.of(97, 32, 4, 2, 8));
        Assert.assertEquals(LlamaPreset.fromName("llama3.2-1b"), LlamaPreset.LLAMA3_2_1B);
        Assert.assertThrows(IllegalArgumentException.class, () -> LlamaPreset.fromName("gpt2"));
    }

    @Test
    public void builderDefaultsAreHuggingFacesDefaults() {
        String minimal =
                "{\"vocab_size\": 100, \"hidden_size\": 64, \"intermediate_size\": 128,"
                        + " \"num_hidden_layers\": 3, \"num_attention_heads\": 4}";
        LlamaConfig built =
                LlamaConfig.builder()
                        .setVocabSize(100)
                        .setHiddenSize(64)
                        .setIntermediateSize(128)
                        .setNumLayers(3)
                        .setNumHeads(4)
                        .build();
        Assert.assertEquals(built, LlamaConfig.fromJson(minimal));
        Assert.assertEquals(built.numKvHeads(), 4);
        Assert.assertEquals(built.headDim(), 16);
        Assert.assertEquals(
                built.layerAttention(),
                List.of(LayerAttention.FULL, LayerAttention.FULL, LayerAttention.FULL));
    }

    @Test
    public void copiesAndJsonRoundTrip() {
        for (LlamaPreset p : LlamaPreset.values()) {
            LlamaConfig c = p.config();
            Assert.assertEquals(c.toBuilder().build(), c, p.name());
            Assert.assertEquals(HfConfigJson.parseConfig(HfConfigJson.toJson(c)), c, p.name());
        }
        LlamaConfig local =
                LlamaPreset.TINY
                        .config()
                        .withLayerAttention(
                                List.of(
                                        LayerAttention.sliding(8),
                                        LayerAttention.FULL,
                                        LayerAttention.chunked(4),
                                        LayerAttention.FULL));
        Assert.assertEquals(HfConfigJson.parseConfig(local.toJson()), local);
        Assert.assertEquals(local.toBuilder().build(), local);
        // a full-attention copy may change its depth; one kind for all layers follows it
        Assert.assertEquals(
                LlamaPreset.TINY.config().toBuilder().setNumLayers(6).build().numLayers(), 6);
        Assert.assertEquals(
                LlamaPreset.TINY
                        .builder()
                        .optLayerAttention(List.of(LayerAttention.sliding(8)))
                        .setNumLayers(3)
                        .build()
                        .layerAttention(),
                List.of(
                        LayerAttention.sliding(8),
                        LayerAttention.sliding(8),
                        LayerAttention.sliding(8)));
    }

    @Test
    public void theBuilderValidatesLikeTheFile() {
        ConfigException kv =
                Assert.expectThrows(
                        ConfigException.class,
                        () -> LlamaPreset.TINY.builder().optNumKvHeads(0).build());
        Assert.assertTrue(kv.getMessage().contains("num_key_value_heads"), kv.getMessage());
        ConfigException missing =
                Assert.expectThrows(
                        ConfigException.class,
                        () -> LlamaConfig.builder().setVocabSize(10).build());
        Assert.assertTrue(missing.getMessage().contains("hidden_size"), missing.getMessage());
        ConfigException eos =
                Assert.expectThrows(
                        ConfigException.class,
                        () -> LlamaPreset.TINY.builder().optEosTokenIds(List.of(97)).build());
        Assert.assertTrue(eos.getMessage().contains("eos_token_id 97"), eos.getMessage());
        ConfigException layers =
                Assert.expectThrows(
                        ConfigException.class,
                        () ->
                                LlamaPreset.TINY
                                        .builder()
                                        .optLayerAttention(
                                                List.of(LayerAttention.FULL, LayerAttention.FULL))
                                        .build());
        Assert.assertTrue(
                layers.getMessage().contains("2 entries for 4 layers"), layers.getMessage());
    }
}
