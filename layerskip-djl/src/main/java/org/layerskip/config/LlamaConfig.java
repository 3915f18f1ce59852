package org.layerskip.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * The architecture of a Llama-family decoder, read from (and written to) a Hugging Face {@code
 * config.json}. Covers Llama 2, CodeLlama, Llama 3, 3.1 and 3.2 fields: {@code head_dim}, {@code
 * num_key_value_heads}, {@code rope_scaling}, {@code tie_word_embeddings}, and {@code
 * bos_token_id}/{@code eos_token_id} given as an int or a list.
 *
 * <p>The compact constructor validates every field, so an instance is always consistent; absurd
 * sizes are rejected before anything is allocated. Build one with {@link #builder()} (Hugging
 * Face's defaults for every optional field), start from a named shape with {@link LlamaPreset}, or
 * copy one with {@link #toBuilder()}; {@link HfConfigJson} reads and writes the JSON files.
 *
 * <pre>{@code
 * LlamaConfig c = LlamaConfig.builder()
 *         .setVocabSize(32000).setHiddenSize(288).setIntermediateSize(768)
 *         .setNumLayers(6).setNumHeads(6)
 *         .build();
 * LlamaConfig deeper = LlamaPreset.LLAMA3_2_1B.builder().setNumLayers(20).build();
 * }</pre>
 *
 * @param vocabSize V, {@code vocab_size}
 * @param hiddenSize D, {@code hidden_size}
 * @param intermediateSize F, {@code intermediate_size} (SwiGLU inner width)
 * @param numLayers L, {@code num_hidden_layers}
 * @param numHeads H, {@code num_attention_heads}
 * @param numKvHeads Hkv, {@code num_key_value_heads} (grouped-query attention when {@code < H})
 * @param headDim Dh, {@code head_dim} (defaults to D / H)
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling {@code rope_scaling}, or {@link RopeScaling#NONE}
 * @param maxPositionEmbeddings {@code max_position_embeddings}, the model's context length
 * @param tieWordEmbeddings whether the LM head shares the embedding matrix
 * @param bosTokenId beginning-of-sequence id, or -1 if none
 * @param eosTokenIds end-of-sequence ids (possibly empty)
 * @param torchDtype the checkpoint's {@code torch_dtype} as written ("float32", "bfloat16", ...)
 * @param layerAttention the attention kind of each layer ({@code L} entries; full attention unless
 *     {@code sliding_window}, {@code attention_chunk_size} or {@code layer_types} say otherwise)
 */
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype,
        List<LayerAttention> layerAttention) {

    /** Largest accepted value of any single dimension; guards allocation from hostile configs. */
    public static final int MAX_DIM = 1 << 20;

    /** Largest accepted number of layers. */
    public static final int MAX_LAYERS = 1024;

    /** Validates the fields (one clear message per violation). */
    public LlamaConfig {
        positive("vocab_size", vocabSize, MAX_DIM * 4);
        positive("hidden_size", hiddenSize, MAX_DIM);
        positive("intermediate_size", intermediateSize, MAX_DIM);
        positive("num_hidden_layers", numLayers, MAX_LAYERS);
        positive("num_attention_heads", numHeads, 4096);
        positive("num_key_value_heads", numKvHeads, 4096);
        positive("head_dim", headDim, 4096);
        positive("max_position_embeddings", maxPositionEmbeddings, 1 << 24);
        if (numHeads % numKvHeads != 0) {
            throw new ConfigException(
                    "num_attention_heads ("
                            + numHeads
                            + ") must be a multiple of num_key_value_heads ("
                            + numKvHeads
                            + ")");
        }
        if (headDim % 2 != 0) {
            throw new ConfigException(
                    "head_dim must be even for rotary embeddings, got " + headDim);
        }
        if ((long) numHeads * headDim > MAX_DIM) {
            throw new ConfigException("num_attention_heads * head_dim is too large");
        }
        if (!(rmsNormEps > 0) || rmsNormEps > 1) {
            throw new ConfigException("rms_norm_eps must be in (0, 1], got " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new ConfigException("rope_theta must be > 0, got " + ropeTheta);
        }
        if (ropeScaling == null) {
            ropeScaling = RopeScaling.NONE;
        }
        if (bosTokenId < -1 || bosTokenId >= vocabSize) {
            throw new ConfigException(
                    "bos_token_id "
                            + bosTokenId
                            + " is outside the vocabulary [0, "
                            + vocabSize
                            + ")");
        }
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        for (int id : eosTokenIds) {
            if (id < 0 || id >= vocabSize) {
                throw new ConfigException(
                        "eos_token_id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        if (torchDtype == null) {
            torchDtype = "float32";
        }
        if (layerAttention == null || layerAttention.isEmpty()) {
            layerAttention = Collections.nCopies(numLayers, LayerAttention.FULL);
        } else if (layerAttention.size() != numLayers) {
            throw new ConfigException(
                    "layer_types has "
                            + layerAttention.size()
                            + " entries for "
                            + numLayers
                            + " layers");
        }
        layerAttention = List.copyOf(layerAttention);
        if (sizes(layerAttention, LayerAttention.Kind.SLIDING) > 1
                || sizes(layerAttention, LayerAttention.Kind.CHUNKED) > 1) {
            throw new ConfigException(
                    "all sliding (or all chunked) layers must share one window size");
        }
    }

    /**
     * Creates a builder with Hugging Face's defaults for every optional field (those of a {@code
     * config.json} that leaves them out).
     *
     * @return a builder; set the vocabulary, hidden size, MLP width, layers and heads
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a builder holding this configuration's values.
     *
     * @return a builder; change what differs and {@link Builder#build()}
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.vocabSize = vocabSize;
        b.hiddenSize = hiddenSize;
        b.intermediateSize = intermediateSize;
        b.numLayers = numLayers;
        b.numHeads = numHeads;
        b.numKvHeads = numKvHeads;
        b.headDim = headDim;
        b.rmsNormEps = rmsNormEps;
        b.ropeTheta = ropeTheta;
        b.ropeScaling = ropeScaling;
        b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.tieWordEmbeddings = tieWordEmbeddings;
        b.bosTokenId = bosTokenId;
        b.eosTokenIds = eosTokenIds;
        b.torchDtype = torchDtype;
        // full attention is the default, so that a copy may change the depth
        b.layerAttention = hasLocalAttention() ? layerAttention : null;
        return b;
    }

    /**
     * Returns a copy with other per-layer attention kinds.
     *
     * @param attention one entry per layer, or a single entry applied to every layer
     * @return the copy
     */
    public LlamaConfig withLayerAttention(List<LayerAttention> attention) {
        return toBuilder().optLayerAttention(attention).build();
    }

    /**
     * Returns whether any layer uses local (sliding or chunked) attention.
     *
     * @return true if some layer's KV cache is bounded
     */
    public boolean hasLocalAttention() {
        return layerAttention.stream().anyMatch(LayerAttention::isLocal);
    }

    /**
     * Returns the number of query heads that share one key/value head.
     *
     * @return H / Hkv
     */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /**
     * Returns the number of parameters of the model (embedding, layers, norms and head).
     *
     * @return the parameter count
     */
    public long parameterCount() {
        long d = hiddenSize;
        long attn = d * (numHeads + 2L * numKvHeads) * headDim + (long) numHeads * headDim * d;
        long mlp = 3L * d * intermediateSize;
        long perLayer = attn + mlp + 2 * d;
        long embed = (long) vocabSize * d;
        return embed + numLayers * perLayer + d + (tieWordEmbeddings ? 0 : embed);
    }

    /**
     * Reads a Hugging Face {@code config.json} ({@link HfConfigJson#readConfig(Path)}).
     *
     * @param file the file
     * @return the validated configuration
     * @throws ConfigException if the file is missing, not JSON, or describes an unsupported or
     *     inconsistent model
     */
    public static LlamaConfig fromJson(Path file) {
        return HfConfigJson.readConfig(file);
    }

    /**
     * Parses the text of a Hugging Face {@code config.json} ({@link HfConfigJson#parseConfig}).
     *
     * @param json the JSON text
     * @return the validated configuration
     * @throws ConfigException if invalid
     */
    public static LlamaConfig fromJson(String json) {
        return HfConfigJson.parseConfig(json);
    }

    /**
     * Serializes to Hugging Face {@code config.json} text ({@link HfConfigJson#toJson}).
     *
     * @return JSON text
     */
    public String toJson() {
        return HfConfigJson.toJson(this);
    }

    private static void positive(String name, long value, long max) {
        if (value <= 0 || value > max) {
            throw new ConfigException(name + " must be in [1, " + max + "], got " + value);
        }
    }

    /** The number of distinct window sizes among the layers of a kind. */
    private static long sizes(List<LayerAttention> layers, LayerAttention.Kind kind) {
        return layers.stream()
                .filter(a -> a.kind() == kind)
                .mapToInt(LayerAttention::size)
                .distinct()
                .count();
    }

    /**
     * Builds a {@link LlamaConfig}. The five {@code set} values are required; every {@code opt}
     * value has Hugging Face's default: K = H, Dh = D / H, {@code rms_norm_eps} 1e-6, {@code
     * rope_theta} 10000, no RoPE scaling, 2048 positions, an untied head, no BOS or EOS, {@code
     * float32}, full attention in every layer.
     */
    public static final class Builder {

        private int vocabSize;
        private int hiddenSize;
        private int intermediateSize;
        private int numLayers;
        private int numHeads;
        private Integer numKvHeads;
        private Integer headDim;
        private double rmsNormEps = 1e-6;
        private double ropeTheta = 10000.0;
        private RopeScaling ropeScaling = RopeScaling.NONE;
        private int maxPositionEmbeddings = 2048;
        private boolean tieWordEmbeddings;
        private int bosTokenId = -1;
        private List<Integer> eosTokenIds = List.of();
        private String torchDtype = "float32";
        private List<LayerAttention> layerAttention;

        private Builder() {}

        /**
         * Sets V.
         *
         * @param v {@code vocab_size}
         * @return this builder
         */
        public Builder setVocabSize(int v) {
            vocabSize = v;
            return this;
        }

        /**
         * Sets D.
         *
         * @param v {@code hidden_size}
         * @return this builder
         */
        public Builder setHiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        /**
         * Sets F.
         *
         * @param v {@code intermediate_size}
         * @return this builder
         */
        public Builder setIntermediateSize(int v) {
            intermediateSize = v;
            return this;
        }

        /**
         * Sets L. Per-layer attention kinds, when set, must have L entries (or one for all).
         *
         * @param v {@code num_hidden_layers}
         * @return this builder
         */
        public Builder setNumLayers(int v) {
            numLayers = v;
            return this;
        }

        /**
         * Sets H.
         *
         * @param v {@code num_attention_heads}
         * @return this builder
         */
        public Builder setNumHeads(int v) {
            numHeads = v;
            return this;
        }

        /**
         * Sets K (default H).
         *
         * @param v {@code num_key_value_heads}
         * @return this builder
         */
        public Builder optNumKvHeads(int v) {
            numKvHeads = v;
            return this;
        }

        /**
         * Sets Dh (default D / H).
         *
         * @param v {@code head_dim}
         * @return this builder
         */
        public Builder optHeadDim(int v) {
            headDim = v;
            return this;
        }

        /**
         * Sets the RMSNorm epsilon (default 1e-6).
         *
         * @param v {@code rms_norm_eps}
         * @return this builder
         */
        public Builder optRmsNormEps(double v) {
            rmsNormEps = v;
            return this;
        }

        /**
         * Sets the RoPE base (default 10000).
         *
         * @param v {@code rope_theta}
         * @return this builder
         */
        public Builder optRopeTheta(double v) {
            ropeTheta = v;
            return this;
        }

        /**
         * Sets the RoPE scaling (default none).
         *
         * @param v {@code rope_scaling}
         * @return this builder
         */
        public Builder optRopeScaling(RopeScaling v) {
            ropeScaling = v;
            return this;
        }

        /**
         * Sets the context length (default 2048).
         *
         * @param v {@code max_position_embeddings}
         * @return this builder
         */
        public Builder optMaxPositionEmbeddings(int v) {
            maxPositionEmbeddings = v;
            return this;
        }

        /**
         * Sets whether the LM head shares the embedding (default false).
         *
         * @param v {@code tie_word_embeddings}
         * @return this builder
         */
        public Builder optTieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        /**
         * Sets the BOS id (default -1, none).
         *
         * @param v {@code bos_token_id}
         * @return this builder
         */
        public Builder optBosTokenId(int v) {
            bosTokenId = v;
            return this;
        }

        /**
         * Sets the EOS ids (default none).
         *
         * @param v {@code eos_token_id}
         * @return this builder
         */
        public Builder optEosTokenIds(List<Integer> v) {
            eosTokenIds = v;
            return this;
        }

        /**
         * Sets the recorded checkpoint dtype (default {@code float32}).
         *
         * @param v {@code torch_dtype}, e.g. "float32", "bfloat16"
         * @return this builder
         */
        public Builder optTorchDtype(String v) {
            torchDtype = v;
            return this;
        }

        /**
         * Sets the attention kind of each layer (default full attention everywhere).
         *
         * @param v one entry per layer, or a single entry for every layer; null for full attention
         * @return this builder
         */
        public Builder optLayerAttention(List<LayerAttention> v) {
            layerAttention = v;
            return this;
        }

        /**
         * Builds and validates the configuration.
         *
         * @return the configuration
         * @throws ConfigException naming the first invalid or missing field
         */
        public LlamaConfig build() {
            int heads = numHeads;
            List<LayerAttention> attention = layerAttention;
            if (attention != null
                    && attention.size() == 1
                    && numLayers > 0
                    && numLayers <= MAX_LAYERS) {
                attention = Collections.nCopies(numLayers, attention.get(0));
            }
            return new LlamaConfig(
                    vocabSize,
                    hiddenSize,
                    intermediateSize,
                    numLayers,
                    heads,
                    numKvHeads != null ? numKvHeads : heads,
                    headDim != null ? headDim : (heads > 0 ? hiddenSize / heads : 0),
                    rmsNormEps,
                    ropeTheta,
                    ropeScaling,
                    maxPositionEmbeddings,
                    tieWordEmbeddings,
                    bosTokenId,
                    eosTokenIds,
                    torchDtype,
                    attention);
        }
    }
}
