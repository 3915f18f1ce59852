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
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The one place that reads and writes a Hugging Face model folder's JSON configuration: {@code
 * config.json} ({@link LlamaConfig}) and {@code generation_config.json} ({@link GenerationConfig}),
 * both parsed strictly ({@link StrictJsonTree}) as untrusted input, with one set of typed field
 * readers and one message style ({@code file: field 'x' must be ...}).
 *
 * <p>The special token ids have one source of truth, {@link #eosTokenIds(Path)}: {@code
 * generation_config.json}'s {@code eos_token_id} when it names one or more, else {@code
 * config.json}'s (as Transformers' {@code generate} does). {@link #readModelFolder(Path)} puts them
 * into the {@link LlamaConfig} that decoding stops on, and a tokenizer loaded from the same folder
 * reports the same ids.
 */
public final class HfConfigJson {

    /** The configuration file name. */
    public static final String CONFIG_FILE = "config.json";

    /** The generation configuration file name. */
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";

    /** Largest accepted configuration file; real ones are a few kilobytes. */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private HfConfigJson() {}

    /**
     * Reads a model folder's {@code config.json}, with BOS/EOS ids overridden by {@code
     * generation_config.json} where it names them.
     *
     * @param dir the model folder
     * @return the configuration
     * @throws ConfigException naming the file, if a file is missing or invalid
     */
    public static LlamaConfig readModelFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(dir + ": not a model folder (directory not found)");
        }
        LlamaConfig c = readConfig(dir.resolve(CONFIG_FILE));
        Optional<GenerationConfig> gen = readGenerationConfig(dir);
        if (gen.isEmpty()) {
            return c;
        }
        Path file = dir.resolve(GENERATION_CONFIG_FILE);
        LlamaConfig.Builder b = c.toBuilder();
        gen.get().bosTokenId().ifPresent(b::optBosTokenId);
        gen.get().eosTokenIds().ifPresent(b::optEosTokenIds);
        try {
            return b.build();
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns a model folder's end-of-sequence ids: {@code generation_config.json}'s {@code
     * eos_token_id} when it names any, else {@code config.json}'s (an empty list when it names
     * none). Only those fields are read.
     *
     * @param dir the folder
     * @return the ids, or empty when the folder has no {@code config.json} and no {@code
     *     generation_config.json} naming them (not a model folder)
     * @throws ConfigException naming the file, if a file that exists is not valid JSON or its field
     *     is not a token id or a list of them
     */
    public static Optional<List<Integer>> eosTokenIds(Path dir) {
        Optional<GenerationConfig> gen = readGenerationConfig(dir);
        if (gen.isPresent() && gen.get().eosTokenIds().isPresent()) {
            return gen.get().eosTokenIds();
        }
        Path config = dir.resolve(CONFIG_FILE);
        if (!Files.exists(config)) {
            return Optional.empty();
        }
        JsonObject o = readObject(config);
        try {
            return Optional.of(intList(o, "eos_token_id"));
        } catch (ConfigException e) {
            throw new ConfigException(config + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a folder's {@code generation_config.json}.
     *
     * @param dir the folder
     * @return the file's token ids, or empty if the folder has no such file
     * @throws ConfigException naming the file, if it is not valid
     */
    public static Optional<GenerationConfig> readGenerationConfig(Path dir) {
        Path file = dir.resolve(GENERATION_CONFIG_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonObject o = readObject(file);
        try {
            OptionalInt bos =
                    get(o, "bos_token_id") == null
                            ? OptionalInt.empty()
                            : OptionalInt.of(asInt("bos_token_id", get(o, "bos_token_id")));
            Optional<List<Integer>> eos =
                    get(o, "eos_token_id") == null
                            ? Optional.empty()
                            : Optional.of(intList(o, "eos_token_id"));
            boolean doSample = optBoolean(o, "do_sample", false);
            OptionalDouble temperature = optionalNumber(o, "temperature");
            OptionalDouble topP = optionalNumber(o, "top_p");
            OptionalDouble k = optionalNumber(o, "top_k");
            if (temperature.isPresent()
                    && (!(temperature.getAsDouble() >= 0)
                            || Double.isInfinite(temperature.getAsDouble()))) {
                throw new ConfigException(
                        "temperature must be a finite number >= 0, got "
                                + temperature.getAsDouble());
            }
            if (topP.isPresent() && !(topP.getAsDouble() > 0 && topP.getAsDouble() <= 1)) {
                throw new ConfigException("top_p must be in (0, 1], got " + topP.getAsDouble());
            }
            OptionalInt topK = OptionalInt.empty();
            if (k.isPresent()) {
                double v = k.getAsDouble();
                if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
                    throw new ConfigException("top_k must be an integer >= 0, got " + v);
                }
                topK = OptionalInt.of((int) v);
            }
            return Optional.of(new GenerationConfig(bos, eos, doSample, temperature, topK, topP));
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a Hugging Face {@code config.json}.
     *
     * @param file the file
     * @return the validated configuration
     * @throws ConfigException naming the file, if it is missing, not JSON, or describes an
     *     unsupported or inconsistent model
     */
    public static LlamaConfig readConfig(Path file) {
        String text = readText(file);
        try {
            return parseConfig(text);
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
    public static LlamaConfig parseConfig(String json) {
        JsonObject o = parseObject(json);
        String modelType = optString(o, "model_type", "llama");
        if (!List.of("llama", "mistral").contains(modelType.toLowerCase(Locale.ROOT))) {
            throw new ConfigException(
                    "model_type '" + modelType + "' is not a Llama-family decoder");
        }
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
        int layers = reqInt(o, "num_hidden_layers");
        LlamaConfig.Builder b =
                LlamaConfig.builder()
                        .setVocabSize(reqInt(o, "vocab_size"))
                        .setHiddenSize(reqInt(o, "hidden_size"))
                        .setIntermediateSize(reqInt(o, "intermediate_size"))
                        .setNumLayers(layers)
                        .setNumHeads(reqInt(o, "num_attention_heads"));
        if (get(o, "num_key_value_heads") != null) {
            b.optNumKvHeads(reqInt(o, "num_key_value_heads"));
        }
        if (get(o, "head_dim") != null) {
            b.optHeadDim(reqInt(o, "head_dim"));
        }
        List<Integer> bos = intList(o, "bos_token_id");
        return b.optRmsNormEps(optDouble(o, "rms_norm_eps", 1e-6))
                .optRopeTheta(optDouble(o, "rope_theta", 10000.0))
                .optRopeScaling(parseRopeScaling(o))
                .optMaxPositionEmbeddings(optInt(o, "max_position_embeddings", 2048))
                .optTieWordEmbeddings(optBoolean(o, "tie_word_embeddings", false))
                .optBosTokenId(bos.isEmpty() ? -1 : bos.get(0))
                .optEosTokenIds(intList(o, "eos_token_id"))
                .optTorchDtype(optString(o, "torch_dtype", "float32"))
                .optLayerAttention(parseLayerAttention(o, layers))
                .build();
    }

    /**
     * Serializes a configuration to Hugging Face {@code config.json} text (the fields the loader
     * reads plus the usual metadata).
     *
     * @param c the configuration
     * @return JSON text
     */
    public static String toJson(LlamaConfig c) {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("LlamaForCausalLM");
        o.add("architectures", arch);
        o.addProperty("model_type", "llama");
        o.addProperty("vocab_size", c.vocabSize());
        o.addProperty("hidden_size", c.hiddenSize());
        o.addProperty("intermediate_size", c.intermediateSize());
        o.addProperty("num_hidden_layers", c.numLayers());
        o.addProperty("num_attention_heads", c.numHeads());
        o.addProperty("num_key_value_heads", c.numKvHeads());
        o.addProperty("head_dim", c.headDim());
        o.addProperty("hidden_act", "silu");
        o.addProperty("rms_norm_eps", c.rmsNormEps());
        o.addProperty("rope_theta", c.ropeTheta());
        RopeScaling rs = c.ropeScaling();
        if (!"none".equals(rs.type())) {
            JsonObject r = new JsonObject();
            r.addProperty("rope_type", rs.type());
            r.addProperty("factor", rs.factor());
            if ("llama3".equals(rs.type())) {
                r.addProperty("low_freq_factor", rs.lowFreqFactor());
                r.addProperty("high_freq_factor", rs.highFreqFactor());
                r.addProperty(
                        "original_max_position_embeddings", rs.originalMaxPositionEmbeddings());
            }
            o.add("rope_scaling", r);
        }
        o.addProperty("max_position_embeddings", c.maxPositionEmbeddings());
        o.addProperty("tie_word_embeddings", c.tieWordEmbeddings());
        if (c.bosTokenId() >= 0) {
            o.addProperty("bos_token_id", c.bosTokenId());
        }
        if (c.eosTokenIds().size() == 1) {
            o.addProperty("eos_token_id", c.eosTokenIds().get(0));
        } else if (!c.eosTokenIds().isEmpty()) {
            o.add("eos_token_id", ids(c.eosTokenIds()));
        }
        o.addProperty("torch_dtype", c.torchDtype());
        if (c.hasLocalAttention()) {
            JsonArray types = new JsonArray();
            for (LayerAttention a : c.layerAttention()) {
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

    /**
     * Serializes a configuration's special token ids to {@code generation_config.json} text.
     *
     * @param c the configuration
     * @return JSON text, e.g. {@code {"bos_token_id":1,"eos_token_id":[2]}}
     */
    public static String toGenerationJson(LlamaConfig c) {
        JsonObject gen = new JsonObject();
        if (c.bosTokenId() >= 0) {
            gen.addProperty("bos_token_id", c.bosTokenId());
        }
        if (!c.eosTokenIds().isEmpty()) {
            gen.add("eos_token_id", ids(c.eosTokenIds()));
        }
        return gen.toString();
    }

    private static JsonArray ids(List<Integer> ids) {
        JsonArray a = new JsonArray();
        ids.forEach(a::add);
        return a;
    }

    /** Reads a JSON object file, with the file named in every message. */
    private static JsonObject readObject(Path file) {
        String text = readText(file);
        try {
            return parseObject(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** The text of a configuration file; never opens a FIFO (blocks) or a device (endless). */
    private static String readText(Path file) {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file + ": is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new ConfigException(
                    file + ": is not a regular file (a FIFO, a device or a socket)");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(
                        file
                                + ": "
                                + size
                                + " bytes is too large for a config file (limit "
                                + MAX_FILE_BYTES
                                + ")");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static JsonObject parseObject(String json) {
        try {
            JsonElement e = StrictJsonTree.parse(json);
            if (!e.isJsonObject()) {
                throw new ConfigException("not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ConfigException("invalid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
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
                            throw new ConfigException(
                                    "layer_types names sliding_attention but sliding_window is not set");
                        }
                        out.add(LayerAttention.sliding(window));
                    }
                    case "chunked_attention" -> {
                        if (chunk <= 0) {
                            throw new ConfigException(
                                    "layer_types names chunked_attention but attention_chunk_size is"
                                            + " not set");
                        }
                        out.add(LayerAttention.chunked(chunk));
                    }
                    default ->
                            throw new ConfigException(
                                    "unknown layer type '" + name + "' in layer_types");
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
        for (int i = 0; i < Math.max(0, Math.min(layers, LlamaConfig.MAX_LAYERS)); i++) {
            out.add(a);
        }
        return out;
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
                        ? List.of(
                                "factor",
                                "low_freq_factor",
                                "high_freq_factor",
                                "original_max_position_embeddings")
                        : "linear".equals(type) ? List.of("factor") : List.of();
        for (String k : required) {
            if (get(r, k) == null) {
                throw new ConfigException(
                        "rope_scaling of type "
                                + type
                                + " needs '"
                                + k
                                + "'; it has "
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
                throw new ConfigException(
                        "field '" + key + "' must be an integer, got " + shorten(e));
            }
            if (d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
                throw new ConfigException(
                        "field '"
                                + key
                                + "' is "
                                + shorten(e)
                                + ", too large (the limit is "
                                + Integer.MAX_VALUE
                                + " in magnitude)");
            }
            return (int) d;
        } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException ex) {
            throw new ConfigException(
                    "field '" + key + "' must be a number, got " + shorten(e), ex);
        }
    }

    /**
     * Rejects arrays, objects, booleans and strings ({@code [64]} and {@code "64"} are not
     * numbers).
     */
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
            throw new ConfigException(
                    "field '" + key + "' must be a number, got " + shorten(e), ex);
        }
    }

    private static OptionalDouble optionalNumber(JsonObject o, String key) {
        return get(o, key) == null
                ? OptionalDouble.empty()
                : OptionalDouble.of(optDouble(o, key, 0));
    }

    private static boolean optBoolean(JsonObject o, String key, boolean def) {
        JsonElement e = get(o, key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new ConfigException(
                    "field '" + key + "' must be true or false, got " + shorten(e));
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

    /** An int or a list of ints (token ids are written both ways); empty when absent. */
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
