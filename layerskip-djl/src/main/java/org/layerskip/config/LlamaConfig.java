package org.layerskip.config;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The architecture of a Llama-family decoder, read from (and written to) a Hugging Face {@code
 * config.json}. Covers Llama 2, CodeLlama, Llama 3, 3.1 and 3.2 fields: {@code head_dim}, {@code
 * num_key_value_heads}, {@code rope_scaling}, {@code tie_word_embeddings}, and {@code
 * bos_token_id}/{@code eos_token_id} given as an int or a list.
 *
 * <p>The compact constructor validates every field, so an instance is always consistent; absurd sizes
 * are rejected before anything is allocated.
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

    /** Largest accepted {@code config.json}; real ones are a few kilobytes. */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

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
            throw new ConfigException("head_dim must be even for rotary embeddings, got " + headDim);
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
                    "bos_token_id " + bosTokenId + " is outside the vocabulary [0, " + vocabSize + ")");
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
            layerAttention = java.util.Collections.nCopies(numLayers, LayerAttention.FULL);
        } else if (layerAttention.size() != numLayers) {
            throw new ConfigException(
                    "layer_types has "
                            + layerAttention.size()
                            + " entries for "
                            + numLayers
                            + " layers");
        }
        layerAttention = List.copyOf(layerAttention);
        if (layerAttention.stream().filter(a -> a.kind() == LayerAttention.Kind.SLIDING).mapToInt(LayerAttention::size).distinct().count() > 1
                || layerAttention.stream().filter(a -> a.kind() == LayerAttention.Kind.CHUNKED).mapToInt(LayerAttention::size).distinct().count() > 1) {
            throw new ConfigException("all sliding (or all chunked) layers must share one window size");
        }
    }

    /**
     * Creates a configuration with full attention in every layer.
     *
     * @param vocabSize V
     * @param hiddenSize D
     * @param intermediateSize F
     * @param numLayers L
     * @param numHeads H
     * @param numKvHeads K
     * @param headDim Dh
     * @param rmsNormEps eps
     * @param ropeTheta RoPE base
     * @param ropeScaling RoPE scaling
     * @param maxPositionEmbeddings context length
     * @param tieWordEmbeddings tied head
     * @param bosTokenId BOS or -1
     * @param eosTokenIds EOS ids
     * @param torchDtype checkpoint dtype name
     */
    public LlamaConfig(
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
            String torchDtype) {
        this(
                vocabSize,
                hiddenSize,
                intermediateSize,
                numLayers,
                numHeads,
                numKvHeads,
                headDim,
                rmsNormEps,
                ropeTheta,
                ropeScaling,
                maxPositionEmbeddings,
                tieWordEmbeddings,
                bosTokenId,
                eosTokenIds,
                torchDtype,
                null);
    }

    /**
     * Returns a copy with other per-layer attention kinds.
     *
     * @param attention one entry per layer, or a single entry applied to every layer
     * @return the copy
     */
    public LlamaConfig withLayerAttention(List<LayerAttention> attention) {
        List<LayerAttention> a =
                attention.size() == 1 ? java.util.Collections.nCopies(numLayers, attention.get(0)) : attention;
        return new LlamaConfig(
                vocabSize,
                hiddenSize,
                intermediateSize,
                numLayers,
                numHeads,
                numKvHeads,
                headDim,
                rmsNormEps,
                ropeTheta,
                ropeScaling,
                maxPositionEmbeddings,
                tieWordEmbeddings,
                bosTokenId,
                eosTokenIds,
                torchDtype,
                a);
    }

    /**
     * Returns a copy with other BOS/EOS ids (e.g. from {@code generation_config.json}).
     *
     * @param bos BOS id or -1
     * @param eos EOS ids
     * @return the copy
     */
    public LlamaConfig withSpecialTokens(int bos, List<Integer> eos) {
        return new LlamaConfig(
                vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings, bos,
                eos, torchDtype, layerAttention);
    }

    /**
     * Returns a copy with another recorded checkpoint dtype.
     *
     * @param dtype e.g. "float32", "bfloat16"
     * @return the copy
     */
    public LlamaConfig withTorchDtype(String dtype) {
        return new LlamaConfig(
                vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim,
                rmsNormEps, ropeTheta, ropeScaling, maxPositionEmbeddings, tieWordEmbeddings,
                bosTokenId, eosTokenIds, dtype, layerAttention);
    }

    /**
     * Returns whether any layer uses local (sliding or chunked) attention.
     *
     * @return true if some layer's KV cache is bounded
     */
    public boolean hasLocalAttention() {
        return layerAttention.stream().anyMatch(LayerAttention::isLocal);
    }

    private static void positive(String name, long value, long max) {
        if (value <= 0 || value > max) {
            throw new ConfigException(name + " must be in [1, " + max + "], got " + value);
        }
    }

    /**
     * A builder-like copy with another number of layers (used by tests and training from scratch).
     *
     * @param layers the new L
     * @return a copy
     */
    public LlamaConfig withNumLayers(int layers) {
        List<LayerAttention> a =
                layerAttention.stream().distinct().count() == 1
                        ? java.util.Collections.nCopies(layers, layerAttention.get(0))
                        : null;
        if (a == null) {
            throw new ConfigException("cannot change the depth of a model with mixed layer_types");
        }
        return new LlamaConfig(
                vocabSize,
                hiddenSize,
                intermediateSize,
                layers,
                numHeads,
                numKvHeads,
                headDim,
                rmsNormEps,
                ropeTheta,
                ropeScaling,
                maxPositionEmbeddings,
                tieWordEmbeddings,
                bosTokenId,
                eosTokenIds,
                torchDtype,
                a);
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
     * Reads a Hugging Face {@code config.json}.
     *
     * @param file the file
     * @return the validated configuration
     * @throws ConfigException if the file is missing, not JSON, or describes an unsupported or
     *     inconsistent model
     */
    public static LlamaConfig fromJson(Path file) {
        String text;
        // never open a FIFO (blocks) or a device (endless): tell what the path is instead
        if (Files.isDirectory(file)) {
            throw new ConfigException(file + ": is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new ConfigException(file + ": is not a regular file (a FIFO, a device or a socket)");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(
                        file + ": " + size + " bytes is too large for a config file (limit "
                                + MAX_FILE_BYTES + ")");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            return fromJson(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the text of a Hugging Face {@code config.json}.
     *
     * @param json the JSON text
     * @return the validated configuration
     * @throws ConfigException if invalid
     */
    public static LlamaConfig fromJson(String json) {
        JsonObject o;
        try {
            JsonElement e = StrictJsonTree.parse(json);
            if (!e.isJsonObject()) {
                throw new ConfigException("not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ConfigException("invalid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        String modelType = optString(o, "model_type", "llama");
        if (!List.of("llama", "mistral").contains(modelType.toLowerCase(Locale.ROOT))) {
            throw new ConfigException(
                    "model_type '" + modelType + "' is not a Llama-family decoder");
        }
        int hidden = reqInt(o, "hidden_size");
        int heads = reqInt(o, "num_attention_heads");
        int kvHeads = optInt(o, "num_key_value_heads", heads);
        int headDim = heads > 0 ? optInt(o, "head_dim", hidden / Math.max(1, heads)) : 0;
        String act = optString(o, "hidden_act", "silu");
        if (!"silu".equals(act) && !"swish".equals(act)) {
            throw new ConfigException("hidden_act '" + act + "' is not supported (need silu)");
        }
        if (optBoolean(o, "attention_bias", false)) {
            throw new ConfigException("attention_bias=true is not supported");
        }
        if (optBoolean(o, "mlp_bias", false)) {
            throw new ConfigException("mlp_bias=true is not supported");
        }
        return new LlamaConfig(
                reqInt(o, "vocab_size"),
                hidden,
                reqInt(o, "intermediate_size"),
                reqInt(o, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                optDouble(o, "rms_norm_eps", 1e-6),
                optDouble(o, "rope_theta", 10000.0),
                parseRopeScaling(o),
                optInt(o, "max_position_embeddings", 2048),
                optBoolean(o, "tie_word_embeddings", false),
                optIntOrFirst(o, "bos_token_id", -1),
                intList(o, "eos_token_id"),
                optString(o, "torch_dtype", "float32"),
                parseLayerAttention(o, reqInt(o, "num_hidden_layers")));
    }

    /**
     * Per-layer attention from {@code layer_types} ("full_attention", "sliding_attention",
     * "chunked_attention"), {@code sliding_window} (Mistral: every layer, unless {@code
     * use_sliding_window} is false) and {@code attention_chunk_size} (every layer unless {@code
     * layer_types} says otherwise).
     */
    private static List<LayerAttention> parseLayerAttention(JsonObject o, int layers) {
        int window = optInt(o, "sliding_window", 0);
        if (o.has("use_sliding_window") && !optBoolean(o, "use_sliding_window", true)) {
            window = 0;
        }
        int chunk = optInt(o, "attention_chunk_size", 0);
        if (window < 0 || chunk < 0) {
            throw new ConfigException("sliding_window and attention_chunk_size must be >= 0");
        }
        JsonElement types = get(o, "layer_types");
        List<LayerAttention> out = new ArrayList<>();
        if (types != null) {
            if (!types.isJsonArray()) {
                throw new ConfigException("layer_types must be a list");
            }
            for (JsonElement t : types.getAsJsonArray()) {
                String name = t.isJsonPrimitive() ? t.getAsString() : String.valueOf(t);
                switch (name) {
                    case "full_attention" -> out.add(LayerAttention.FULL);
                    case "sliding_attention" -> {
                        if (window <= 0) {
                            throw new ConfigException("layer_types names sliding_attention but sliding_window is not set");
                        }
                        out.add(LayerAttention.sliding(window));
                    }
                    case "chunked_attention" -> {
                        if (chunk <= 0) {
                            throw new ConfigException("layer_types names chunked_attention but attention_chunk_size is not set");
                        }
                        out.add(LayerAttention.chunked(chunk));
                    }
                    default -> throw new ConfigException("unknown layer type '" + name + "' in layer_types");
                }
            }
            return out;
        }
        if (window > 0 && chunk > 0) {
            throw new ConfigException(
                    "both sliding_window and attention_chunk_size are set; give layer_types");
        }
        LayerAttention a =
                window > 0
                        ? LayerAttention.sliding(window)
                        : chunk > 0 ? LayerAttention.chunked(chunk) : LayerAttention.FULL;
        for (int i = 0; i < Math.max(0, Math.min(layers, MAX_LAYERS)); i++) {
            out.add(a);
        }
        return out;
    }

    /**
     * Serializes to Hugging Face {@code config.json} text (the fields the loader reads plus the
     * usual metadata).
     *
     * @return JSON text
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("LlamaForCausalLM");
        o.add("architectures", arch);
        o.addProperty("model_type", "llama");
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("num_hidden_layers", numLayers);
        o.addProperty("num_attention_heads", numHeads);
        o.addProperty("num_key_value_heads", numKvHeads);
        o.addProperty("head_dim", headDim);
        o.addProperty("hidden_act", "silu");
        o.addProperty("rms_norm_eps", rmsNormEps);
        o.addProperty("rope_theta", ropeTheta);
        if (!"none".equals(ropeScaling.type())) {
            JsonObject rs = new JsonObject();
            rs.addProperty("rope_type", ropeScaling.type());
            rs.addProperty("factor", ropeScaling.factor());
            if ("llama3".equals(ropeScaling.type())) {
                rs.addProperty("low_freq_factor", ropeScaling.lowFreqFactor());
                rs.addProperty("high_freq_factor", ropeScaling.highFreqFactor());
                rs.addProperty(
                        "original_max_position_embeddings",
                        ropeScaling.originalMaxPositionEmbeddings());
            }
            o.add("rope_scaling", rs);
        }
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("tie_word_embeddings", tieWordEmbeddings);
        if (bosTokenId >= 0) {
            o.addProperty("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.addProperty("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            JsonArray a = new JsonArray();
            eosTokenIds.forEach(a::add);
            o.add("eos_token_id", a);
        }
        o.addProperty("torch_dtype", torchDtype);
        if (hasLocalAttention()) {
            JsonArray types = new JsonArray();
            for (LayerAttention a : layerAttention) {
                switch (a.kind()) {
                    case FULL -> types.add("full_attention");
                    case SLIDING -> {
                        types.add("sliding_attention");
                        o.addProperty("sliding_window", a.size());
                    }
                    case CHUNKED -> {
                        types.add("chunked_attention");
                        o.addProperty("attention_chunk_size", a.size());
                    }
                }
            }
            o.add("layer_types", types);
        }
        return GSON.toJson(o);
    }

    private static RopeScaling parseRopeScaling(JsonObject o) {
        if (!o.has("rope_scaling") || o.get("rope_scaling").isJsonNull()) {
            return RopeScaling.NONE;
        }
        if (!o.get("rope_scaling").isJsonObject()) {
            throw new ConfigException("rope_scaling must be an object or null");
        }
        JsonObject r = o.getAsJsonObject("rope_scaling");
        String type = optString(r, "rope_type", optString(r, "type", null));
        if ("default".equals(type)) {
            return RopeScaling.NONE;
        }
        // as transformers' rope validation: no silent defaults for the parameters that matter
        List<String> required =
                "llama3".equals(type)
                        ? List.of("factor", "low_freq_factor", "high_freq_factor",
                                "original_max_position_embeddings")
                        : "linear".equals(type) ? List.of("factor") : List.of();
        for (String k : required) {
            if (get(r, k) == null) {
                throw new ConfigException(
                        "rope_scaling of type " + type + " needs '" + k + "'; it has "
                                + (r.keySet().isEmpty() ? "no fields" : r.keySet()));
            }
        }
        return new RopeScaling(
                type,
                optDouble(r, "factor", 1.0),
                optDouble(r, "low_freq_factor", 1.0),
                optDouble(r, "high_freq_factor", 4.0),
                optInt(r, "original_max_position_embeddings", 8192));
    }

    private static JsonElement get(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    private static int reqInt(JsonObject o, String key) {
        JsonElement e = get(o, key);
        if (e == null) {
            throw new ConfigException("missing required field '" + key + "'");
        }
        return asInt(key, e);
    }

    private static int asInt(String key, JsonElement e) {
        requireNumber(key, e);
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d)) {
                throw new ConfigException("field '" + key + "' must be an integer, got " + shorten(e));
            }
            if (d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
                throw new ConfigException(
                        "field '" + key + "' is " + shorten(e) + ", too large (the limit is "
                                + Integer.MAX_VALUE + " in magnitude)");
            }
            return (int) d;
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException ex) {
            throw new ConfigException("field '" + key + "' must be a number, got " + shorten(e), ex);
        }
    }

    /** Rejects arrays, objects, booleans and strings ({@code [64]} and {@code "64"} are not numbers). */
    private static void requireNumber(String key, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ConfigException("field '" + key + "' must be a number, got " + shorten(e));
        }
    }

    private static String shorten(JsonElement e) {
        String s = String.valueOf(e);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static int optInt(JsonObject o, String key, int def) {
        JsonElement e = get(o, key);
        return e == null ? def : asInt(key, e);
    }

    private static double optDouble(JsonObject o, String key, double def) {
        JsonElement e = get(o, key);
        if (e == null) {
            return def;
        }
        requireNumber(key, e);
        try {
            return e.getAsDouble();
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException ex) {
            throw new ConfigException("field '" + key + "' must be a number, got " + shorten(e), ex);
        }
    }

    private static boolean optBoolean(JsonObject o, String key, boolean def) {
        JsonElement e = get(o, key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new ConfigException("field '" + key + "' must be true or false, got " + shorten(e));
        }
        return e.getAsBoolean();
    }

    private static String optString(JsonObject o, String key, String def) {
        JsonElement e = get(o, key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonPrimitive()) {
            throw new ConfigException("field '" + key + "' must be a string, got " + shorten(e));
        }
        return e.getAsString();
    }

    private static int optIntOrFirst(JsonObject o, String key, int def) {
        List<Integer> l = intList(o, key);
        return l.isEmpty() ? def : l.get(0);
    }

    private static List<Integer> intList(JsonObject o, String key) {
        JsonElement e = get(o, key);
        List<Integer> out = new ArrayList<>();
        if (e == null) {
            return out;
        }
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                out.add(asInt(key, x));
            }
        } else {
            out.add(asInt(key, e));
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
