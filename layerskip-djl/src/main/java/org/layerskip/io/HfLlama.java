package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.config.ConfigException;
import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads and saves Hugging Face Llama folders ({@code config.json}, optional {@code
 * generation_config.json}, {@code model.safetensors} or shards with {@code
 * model.safetensors.index.json}) as {@link LlamaModel}s.
 *
 * <pre>{@code
 * LlamaModel model = HfLlama.load(Path.of("layerskip-llama3.2-1B"), manager, DataType.FLOAT32);
 * }</pre>
 *
 * Loading is strict: every expected tensor must be present with the shape {@code config.json}
 * implies, and unknown tensors are an error (except rotary {@code inv_freq} buffers, and {@code
 * lm_head.weight} in a tied model). BF16 and F16 tensors are converted in Java, one at a time.
 */
public final class HfLlama {

    /** The configuration file name. */
    public static final String CONFIG_FILE = "config.json";

    /** The generation configuration file name. */
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";

    private HfLlama() {}

    /**
     * Reads {@code config.json}, with BOS/EOS ids overridden by {@code generation_config.json} when it
     * names them (as Transformers does).
     *
     * @param dir the model folder
     * @return the configuration
     * @throws ConfigException if a file is missing or invalid
     */
    public static LlamaConfig readConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(dir + ": not a model folder (directory not found)");
        }
        LlamaConfig c = LlamaConfig.fromJson(dir.resolve(CONFIG_FILE));
        Path gen = dir.resolve(GENERATION_CONFIG_FILE);
        if (!Files.isRegularFile(gen)) {
            return c;
        }
        try {
            JsonElement e =
                    JsonParser.parseString(Files.readString(gen, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new ConfigException(gen + ": not a JSON object");
            }
            JsonObject o = e.getAsJsonObject();
            int bos = c.bosTokenId();
            List<Integer> eos = c.eosTokenIds();
            if (o.has("bos_token_id") && o.get("bos_token_id").isJsonPrimitive()) {
                bos = o.get("bos_token_id").getAsInt();
            }
            if (o.has("eos_token_id") && !o.get("eos_token_id").isJsonNull()) {
                eos = new ArrayList<>();
                JsonElement x = o.get("eos_token_id");
                if (x.isJsonArray()) {
                    for (JsonElement y : x.getAsJsonArray()) {
                        eos.add(y.getAsInt());
                    }
                } else {
                    eos.add(x.getAsInt());
                }
            }
            return c.withSpecialTokens(bos, eos);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException) {
                throw (ConfigException) e;
            }
            throw new ConfigException(gen + ": invalid (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Loads a model folder for inference (parameters frozen).
     *
     * @param dir the model folder
     * @param manager owner of the weights
     * @param dataType FLOAT32 or FLOAT16
     * @return the model
     * @throws IOException if a file is missing, unreadable or inconsistent with {@code config.json}
     */
    public static LlamaModel load(Path dir, NDManager manager, DataType dataType) throws IOException {
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException("load dtype must be float32 or float16, got " + dataType);
        }
        LlamaConfig config = readConfig(dir);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaModel.builder().setConfig(config).build();
            checkNames(ckpt, model, dir);
            model.setInitializer(Initializer.ZEROS, p -> true);
            model.initialize(manager, dataType, new Shape(1, 1));
            for (HfWeightMap.Entry e : HfWeightMap.entries(model)) {
                TensorInfo info = ckpt.info(e.hfName());
                if (!Arrays.equals(info.shape(), e.shape())) {
                    throw new CheckpointException(
                            dir
                                    + ": tensor "
                                    + e.hfName()
                                    + " has shape "
                                    + Arrays.toString(info.shape())
                                    + " but config.json implies "
                                    + Arrays.toString(e.shape()));
                }
                try (NDManager tmp = manager.newSubManager()) {
                    NDArray w = ckpt.load(e.hfName(), tmp, dataType);
                    NDArray target = e.parameter().getArray();
                    if (e.wholeParameter()) {
                        w.copyTo(target);
                    } else {
                        target.set(new NDIndex("{}:{}", e.rowStart(), e.rowStart() + e.rows()), w);
                    }
                }
            }
            model.freezeParameters(true);
            return model;
        }
    }

    private static void checkNames(Checkpoint ckpt, LlamaModel model, Path dir)
            throws CheckpointException {
        Set<String> expected = new HashSet<>();
        for (HfWeightMap.Entry e : HfWeightMap.entries(model)) {
            expected.add(e.hfName());
        }
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(ckpt.names());
        if (!missing.isEmpty()) {
            throw new CheckpointException(
                    dir + ": missing tensor(s) " + abbreviate(missing) + " (" + missing.size() + ")");
        }
        Set<String> extra = new TreeSet<>(ckpt.names());
        extra.removeAll(expected);
        extra.removeIf(HfWeightMap::isIgnorable);
        if (model.getConfig().tieWordEmbeddings()) {
            extra.remove("lm_head.weight");
        }
        if (!extra.isEmpty()) {
            throw new CheckpointException(
                    dir
                            + ": unexpected tensor(s) "
                            + abbreviate(extra)
                            + " for this config.json ("
                            + extra.size()
                            + ")");
        }
    }

    private static String abbreviate(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 3 ? l.toString() : l.subList(0, 3) + "...";
    }

    /**
     * Saves a model in the Hugging Face layout: {@code config.json}, {@code generation_config.json} and
     * safetensors (sharded above {@code maxShardBytes}). Every file is written atomically.
     *
     * @param model the model
     * @param dir the folder (created if needed)
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes shard size limit
     * @throws IOException if writing fails
     */
    public static void save(LlamaModel model, Path dir, SafetensorsDtype dtype, long maxShardBytes)
            throws IOException {
        Files.createDirectories(dir);
        LlamaConfig c = model.getConfig();
        String torchDtype =
                switch (dtype) {
                    case F32 -> "float32";
                    case F16 -> "float16";
                    case BF16 -> "bfloat16";
                    default -> throw new IllegalArgumentException("cannot save weights as " + dtype);
                };
        LlamaConfig out = c.withTorchDtype(torchDtype);
        try (NDManager tmp = model.getEmbedding().getArray().getManager().newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (HfWeightMap.Entry e : HfWeightMap.entries(model)) {
                NDArray p = e.parameter().getArray();
                NDArray t =
                        e.wholeParameter()
                                ? p
                                : p.get(tmp, new NDIndex("{}:{}", e.rowStart(), e.rowStart() + e.rows()));
                tensors.put(e.hfName(), t);
            }
            CheckpointWriter.writeShardedArrays(dir, tensors, dtype, maxShardBytes);
        }
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), out.toJson());
        JsonObject gen = new JsonObject();
        if (c.bosTokenId() >= 0) {
            gen.addProperty("bos_token_id", c.bosTokenId());
        }
        if (!c.eosTokenIds().isEmpty()) {
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            c.eosTokenIds().forEach(a::add);
            gen.add("eos_token_id", a);
        }
        AtomicFiles.writeString(dir.resolve(GENERATION_CONFIG_FILE), gen.toString());
    }
}
