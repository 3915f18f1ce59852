package org.layerskip.config;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Named model shapes, as gpt-fast's {@code transformer_configs}: each gives a {@link
 * LlamaConfig.Builder} to build as is or to change first.
 *
 * <pre>{@code
 * LlamaConfig tiny = LlamaPreset.TINY.config();
 * LlamaConfig shallow = LlamaPreset.TINY.builder().setNumLayers(2).optTieWordEmbeddings(true).build();
 * }</pre>
 *
 * The published shapes are those of the checkpoints' Hugging Face {@code config.json} (the
 * LayerSkip checkpoints keep their base model's architecture); their parameter counts are checked
 * in {@code LlamaPresetTest} (Llama 2 7B: 6,738,415,616; Llama 3 8B: 8,030,261,248; Llama 3.2 1B:
 * 1,235,814,400).
 */
public enum LlamaPreset {

    /**
     * A random-weights test model: V 97, D 32, F 64, 4 layers, 4 query / 2 key-value heads of 8,
     * untied head, BOS 1, EOS 2, 256 positions (the tests' {@code TinyModels}).
     */
    TINY(
            () ->
                    LlamaConfig.builder()
                            .setVocabSize(97)
                            .setHiddenSize(32)
                            .setIntermediateSize(64)
                            .setNumLayers(4)
                            .setNumHeads(4)
                            .optNumKvHeads(2)
                            .optHeadDim(8)
                            .optRmsNormEps(1e-5)
                            .optMaxPositionEmbeddings(256)
                            .optBosTokenId(1)
                            .optEosTokenIds(List.of(2))),

    /**
     * The bundled {@code tiny-layerskip} / {@code tiny-baseline} models: V 2048 (byte-level BPE), D
     * 96, F 256, 16 layers, 4 query / 2 key-value heads of 24, untied head, BOS 0, EOS 1, 512
     * positions ({@code scripts/train-tiny-models.sh}).
     */
    TINY_LAYERSKIP(
            () ->
                    LlamaConfig.builder()
                            .setVocabSize(2048)
                            .setHiddenSize(96)
                            .setIntermediateSize(256)
                            .setNumLayers(16)
                            .setNumHeads(4)
                            .optNumKvHeads(2)
                            .optHeadDim(24)
                            .optRmsNormEps(1e-5)
                            .optMaxPositionEmbeddings(512)
                            .optBosTokenId(0)
                            .optEosTokenIds(List.of(1))),

    /** Llama 2 7B ({@code facebook/layerskip-llama2-7B}): 32 layers, D 4096, 32 heads, V 32000. */
    LLAMA2_7B(
            () ->
                    LlamaConfig.builder()
                            .setVocabSize(32000)
                            .setHiddenSize(4096)
                            .setIntermediateSize(11008)
                            .setNumLayers(32)
                            .setNumHeads(32)
                            .optRmsNormEps(1e-5)
                            .optMaxPositionEmbeddings(4096)
                            .optBosTokenId(1)
                            .optEosTokenIds(List.of(2))
                            .optTorchDtype("float16")),

    /** Llama 3 8B ({@code facebook/layerskip-llama3-8B}): 32 layers, D 4096, GQA 32/8, V 128256. */
    LLAMA3_8B(
            () ->
                    LlamaConfig.builder()
                            .setVocabSize(128256)
                            .setHiddenSize(4096)
                            .setIntermediateSize(14336)
                            .setNumLayers(32)
                            .setNumHeads(32)
                            .optNumKvHeads(8)
                            .optRmsNormEps(1e-5)
                            .optRopeTheta(500000.0)
                            .optMaxPositionEmbeddings(8192)
                            .optBosTokenId(128000)
                            .optEosTokenIds(List.of(128001))
                            .optTorchDtype("bfloat16")),

    /**
     * Llama 3.2 1B ({@code facebook/layerskip-llama3.2-1B}): 16 layers, D 2048, GQA 32/8 with head
     * dim 64, F 8192, V 128256, tied head, {@code llama3} RoPE scaling (factor 32) — the shape of
     * {@code scripts/make-fixtures.sh --shape llama3.2-1b}.
     */
    LLAMA3_2_1B(
            () ->
                    LlamaConfig.builder()
                            .setVocabSize(128256)
                            .setHiddenSize(2048)
                            .setIntermediateSize(8192)
                            .setNumLayers(16)
                            .setNumHeads(32)
                            .optNumKvHeads(8)
                            .optHeadDim(64)
                            .optRmsNormEps(1e-5)
                            .optRopeTheta(500000.0)
                            .optRopeScaling(new RopeScaling("llama3", 32.0, 1.0, 4.0, 8192))
                            .optMaxPositionEmbeddings(131072)
                            .optTieWordEmbeddings(true)
                            .optBosTokenId(128000)
                            .optEosTokenIds(List.of(128001))
                            .optTorchDtype("bfloat16"));

    private final Supplier<LlamaConfig.Builder> shape;

    LlamaPreset(Supplier<LlamaConfig.Builder> shape) {
        this.shape = shape;
    }

    /**
     * Returns a new builder holding this shape.
     *
     * @return a builder to change or build
     */
    public LlamaConfig.Builder builder() {
        return shape.get();
    }

    /**
     * Returns this shape as a configuration.
     *
     * @return the configuration
     */
    public LlamaConfig config() {
        return builder().build();
    }

    /**
     * Finds a preset by name, ignoring case, {@code -} and {@code .} ({@code llama3.2-1b}, {@code
     * LLAMA3_2_1B}).
     *
     * @param name the name
     * @return the preset
     * @throws IllegalArgumentException naming the presets, if there is none of that name
     */
    public static LlamaPreset fromName(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        for (LlamaPreset p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "unknown model preset '" + name + "'; presets: " + List.of(values()));
    }
}
