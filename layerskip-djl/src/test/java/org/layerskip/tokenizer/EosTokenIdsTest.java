package org.layerskip.tokenizer;

import org.layerskip.config.HfConfigJson;
import org.layerskip.config.LlamaPreset;
import org.layerskip.io.HfLlama;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One source of truth for EOS ids: in a model folder the tokenizer reports the ids generation stops
 * on ({@code generation_config.json}, else {@code config.json}), not just its {@code eos_token}.
 */
public class EosTokenIdsTest {

    /** A Llama 3.2 1B folder without weights: the real Llama 3 tokenizer and the configs. */
    private static Path llama32Folder(String generationConfig) throws IOException {
        Path dir = Files.createTempDirectory("llama32-eos");
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(TokenizerFixtures.real("llama3").resolve(f), dir.resolve(f));
        }
        Files.writeString(
                dir.resolve(HfConfigJson.CONFIG_FILE), LlamaPreset.LLAMA3_2_1B.config().toJson());
        if (generationConfig != null) {
            Files.writeString(dir.resolve(HfConfigJson.GENERATION_CONFIG_FILE), generationConfig);
        }
        return dir;
    }

    @Test
    public void tokenizerAndModelAgreeInALlama32Folder() throws IOException {
        Path dir =
                llama32Folder(
                        "{\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009]}");
        List<Integer> model = HfLlama.readConfig(dir).eosTokenIds();
        Assert.assertEquals(model, List.of(128001, 128008, 128009));
        try (LlamaTokenizer t = LlamaTokenizer.load(dir)) {
            Assert.assertEquals(t.eosTokenIds(), List.of(128001L, 128008L, 128009L));
            // what encoding adds is still the tokenizer configuration's business: BOS only
            Assert.assertEquals(t.encode("Hi")[0], 128000L);
        }
        // the same tokenizer files alone: tokenizer_config.json's eos_token
        try (LlamaTokenizer t = LlamaTokenizer.load(TokenizerFixtures.real("llama3"))) {
            Assert.assertEquals(t.eosTokenIds(), List.of(128001L));
        }
    }

    @Test
    public void configJsonCountsWhenGenerationConfigNamesNoEos() throws IOException {
        Path dir = llama32Folder("{\"bos_token_id\": 128000}");
        Assert.assertEquals(HfLlama.readConfig(dir).eosTokenIds(), List.of(128001));
        try (LlamaTokenizer t = LlamaTokenizer.load(dir)) {
            Assert.assertEquals(t.eosTokenIds(), List.of(128001L));
        }
        Files.writeString(
                dir.resolve(HfConfigJson.CONFIG_FILE),
                LlamaPreset.LLAMA3_2_1B.builder().optEosTokenIds(List.of()).build().toJson());
        Assert.assertEquals(HfLlama.readConfig(dir).eosTokenIds(), List.of());
        try (LlamaTokenizer t = LlamaTokenizer.load(dir)) {
            Assert.assertEquals(
                    t.eosTokenIds(), List.of(), "a model without EOS never stops on one");
        }
    }

    @Test
    public void aBrokenGenerationConfigNamesTheFile() throws IOException {
        Path dir = llama32Folder("{\"eos_token_id\": [128001, \"x\"]}");
        TokenizerException e =
                Assert.expectThrows(
                        TokenizerException.class, () -> LlamaTokenizer.load(dir).close());
        Assert.assertTrue(
                e.getMessage().contains(HfConfigJson.GENERATION_CONFIG_FILE), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("eos_token_id"), e.getMessage());
    }
}
