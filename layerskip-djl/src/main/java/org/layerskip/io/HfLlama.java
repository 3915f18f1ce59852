package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

import org.layerskip.config.ConfigException;
import org.layerskip.config.HfConfigJson;
import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * implies, and unknown tensors are an error (except rotary {@code inv_freq} buffers; {@code
 * lm_head.weight} in a tied model is an error too).
 *
 * <p>Loading makes one copy of each weight: the engine allocates every parameter once, and each
 * tensor is read from its file straight into the parameter's memory (converted from BF16/F16 in
 * Java, 1 MiB at a time, where the file's type is not the one asked for). Peak memory is the
 * weights plus a fixed base; no Java direct buffer holds weights, so {@code
 * -XX:MaxDirectMemorySize} does not limit the model size. Tensors are read on one thread, or on as
 * many as the system property {@code layerskip.loadThreads} says. Before anything is allocated, the
 * weights' size is compared with the memory available (Linux {@code MemAvailable}, or the cgroup
 * limit), and a model that does not fit is refused with a message naming both; {@value
 * #CHECK_MEMORY_PROPERTY}{@code =false} skips that check.
 */
public final class HfLlama {

    /** The configuration file name. */
    public static final String CONFIG_FILE = HfConfigJson.CONFIG_FILE;

    /** The generation configuration file name. */
    public static final String GENERATION_CONFIG_FILE = HfConfigJson.GENERATION_CONFIG_FILE;

    /**
     * Default limit on the bytes the parameters of a loaded model may take (64 GiB); raise it with
     * {@link #load(Path, NDManager, DataType, long)} or the system property {@value
     * #MAX_PARAMETER_BYTES_PROPERTY}.
     */
    public static final long DEFAULT_MAX_PARAMETER_BYTES = 64L << 30;

    /** System property overriding {@link #DEFAULT_MAX_PARAMETER_BYTES}. */
    public static final String MAX_PARAMETER_BYTES_PROPERTY = "layerskip.maxParameterBytes";

    /**
     * System property that, set to {@code false}, skips the check that the weights fit in the
     * available memory.
     */
    public static final String CHECK_MEMORY_PROPERTY = "layerskip.checkAvailableMemory";

    private static final String EMBEDDING = "model.embed_tokens.weight";

    /** Parameters filled from the checkpoint are allocated without being written first. */
    private static final Initializer UNWRITTEN =
            (manager, shape, type) -> manager.create(shape, type);

    private HfLlama() {}

    /**
     * Reads {@code config.json}, with BOS/EOS ids overridden by {@code generation_config.json} when
     * it names them (as Transformers does); see {@link HfConfigJson#readModelFolder(Path)}.
     *
     * @param dir the model folder
     * @return the configuration
     * @throws ConfigException if a file is missing or invalid
     */
    public static LlamaConfig readConfig(Path dir) {
        return HfConfigJson.readModelFolder(dir);
    }

    /**
     * Loads a model folder for inference (parameters frozen).
     *
     * @param dir the model folder
     * @param manager owner of the weights
     * @param dataType FLOAT32 or FLOAT16
     * @return the model
     * @throws IOException if a file is missing, unreadable, changed while loading, or inconsistent
     *     with {@code config.json}
     * @throws ConfigException if the parameters would take more than {@link
     *     #DEFAULT_MAX_PARAMETER_BYTES} (or the system property {@value
     *     #MAX_PARAMETER_BYTES_PROPERTY}), or more than the memory available
     */
    public static LlamaModel load(Path dir, NDManager manager, DataType dataType)
            throws IOException {
        return load(
                dir,
                manager,
                dataType,
                Long.getLong(MAX_PARAMETER_BYTES_PROPERTY, DEFAULT_MAX_PARAMETER_BYTES));
    }

    /**
     * Loads a model folder for inference (parameters frozen), refusing models whose parameters
     * would take more than {@code maxParameterBytes}. The size implied by {@code config.json} is
     * checked against the limit and against the checkpoint's tensor shapes before anything is
     * allocated.
     *
     * @param dir the model folder
     * @param manager owner of the weights
     * @param dataType FLOAT32 or FLOAT16
     * @param maxParameterBytes the most bytes the parameters may take in {@code dataType}
     * @return the model
     * @throws IOException if a file is missing, unreadable, changed while loading, or inconsistent
     *     with {@code config.json}
     * @throws ConfigException if the parameters would take more than {@code maxParameterBytes}, or
     *     more than the memory available
     */
    public static LlamaModel load(
            Path dir, NDManager manager, DataType dataType, long maxParameterBytes)
            throws IOException {
        return load(
                dir,
                manager,
                dataType,
                maxParameterBytes,
                Boolean.parseBoolean(System.getProperty(CHECK_MEMORY_PROPERTY, "true"))
                        ? AvailableMemory.now()
                        : Optional.empty());
    }

    /** {@link #load(Path, NDManager, DataType, long)} with the available memory given (tests). */
    static LlamaModel load(
            Path dir,
            NDManager manager,
            DataType dataType,
            long maxParameterBytes,
            Optional<AvailableMemory> available)
            throws IOException {
        if (dir == null || manager == null) {
            throw new IllegalArgumentException("load: dir and manager must not be null");
        }
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    "load dtype must be float32 or float16, got " + dataType);
        }
        if (maxParameterBytes < 1) {
            throw new IllegalArgumentException(
                    "maxParameterBytes must be >= 1, got " + maxParameterBytes);
        }
        int threads = ParallelFill.defaultThreads();
        LlamaConfig config = readConfig(dir);
        long bytes = config.parameterCount() * dataType.getNumOfBytes();
        if (bytes > maxParameterBytes) {
            throw new ConfigException(
                    dir
                            + ": config.json implies "
                            + config.parameterCount()
                            + " parameters ("
                            + bytes
                            + " bytes as "
                            + dataType
                            + "), over the limit of "
                            + maxParameterBytes
                            + " bytes (-D"
                            + MAX_PARAMETER_BYTES_PROPERTY
                            + ")");
        }
        if (available.isPresent() && bytes > available.get().bytes()) {
            throw new ConfigException(
                    dir
                            + ": the weights need "
                            + gigabytes(bytes)
                            + " as "
                            + dataType
                            + " ("
                            + config.parameterCount()
                            + " parameters) but only "
                            + gigabytes(available.get().bytes())
                            + " of memory is available ("
                            + available.get().source()
                            + ")"
                            + (dataType == DataType.FLOAT32
                                    ? "; as float16 they need " + gigabytes(bytes / 2)
                                    : "")
                            + "; -D"
                            + CHECK_MEMORY_PROPERTY
                            + "=false skips this check");
        }
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaModel model = LlamaModel.builder().setConfig(config).build();
            checkNames(ckpt, model, dir);
            // every shape is checked before the first allocation, so the checkpoint's real tensor
            // sizes bound what is allocated
            List<HfWeightMap.Entry> entries = HfWeightMap.entries(model);
            for (HfWeightMap.Entry e : entries) {
                TensorInfo info = ckpt.info(e.hfName());
                if (!Arrays.equals(info.shape(), e.shape())) {
                    throw new CheckpointException(
                            ckpt.file(e.hfName()).path()
                                    + ": tensor "
                                    + e.hfName()
                                    + " has shape "
                                    + Arrays.toString(info.shape())
                                    + " but config.json implies "
                                    + Arrays.toString(e.shape()));
                }
            }
            Set<Parameter> filled = Collections.newSetFromMap(new IdentityHashMap<>());
            entries.forEach(e -> filled.add(e.parameter()));
            model.setInitializer(Initializer.ZEROS, p -> true);
            model.setInitializer(UNWRITTEN, filled::contains);
            try {
                // The weights live in a sub-manager that `manager` closes through the model's
                // guard: closing it (or the ZooModel) waits for running generations instead of
                // freeing tensors under them.
                model.initialize(model.guard().guard(manager), dataType, new Shape(1, 1));
                checkCoverage(entries, filled);
                // freeze before writing: PyTorch's grad mode is thread-local, and on a thread where
                // it is on (any thread but the engine's first) a write into a leaf that requires
                // grad fails
                model.freezeParameters(true);
                ParallelFill.fill(ckpt, entries, manager, threads);
                // recorded so that an engine may map the table instead of keeping it in memory
                model.setEmbeddingFile(ckpt.file(EMBEDDING).location(EMBEDDING));
            } catch (IOException | RuntimeException | Error e) {
                // a failed load frees what it allocated instead of leaving it to the caller's
                // manager
                model.getParameters().values().forEach(Parameter::close);
                throw e;
            }
            return model;
        }
    }

    /**
     * Every row of every parameter allocated unwritten is written by exactly one entry, so no
     * uninitialised memory survives a successful load.
     */
    private static void checkCoverage(List<HfWeightMap.Entry> entries, Set<Parameter> filled) {
        Map<Parameter, Long> next = new IdentityHashMap<>();
        for (HfWeightMap.Entry e : entries) {
            long expected = next.getOrDefault(e.parameter(), 0L);
            if (e.rowStart() != expected) {
                throw new IllegalStateException(
                        "weight map: "
                                + e.hfName()
                                + " starts at row "
                                + e.rowStart()
                                + ", expected "
                                + expected);
            }
            next.put(e.parameter(), expected + e.rows());
        }
        for (Parameter p : filled) {
            long rows = p.getArray().getShape().get(0);
            if (next.get(p) != rows) {
                throw new IllegalStateException(
                        "weight map covers "
                                + next.get(p)
                                + " of "
                                + rows
                                + " rows of "
                                + p.getName());
            }
        }
    }

    /** Exact bytes, plus MB or GB for people. */
    private static String gigabytes(long bytes) {
        if (bytes < 1_000_000) {
            return bytes + " bytes";
        }
        return bytes < 1_000_000_000
                ? String.format(Locale.ROOT, "%d bytes (%.1f MB)", bytes, bytes / 1e6)
                : String.format(Locale.ROOT, "%d bytes (%.2f GB)", bytes, bytes / 1e9);
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
                    dir
                            + ": missing tensor(s) "
                            + abbreviate(missing)
                            + " ("
                            + missing.size()
                            + ")");
        }
        Set<String> extra = new TreeSet<>(ckpt.names());
        extra.removeAll(expected);
        extra.removeIf(HfWeightMap::isIgnorable);
        if (!extra.isEmpty()) {
            // a tied model uses embed_tokens as its head: a separate lm_head would be ignored
            boolean tiedHead =
                    model.getConfig().tieWordEmbeddings() && extra.contains("lm_head.weight");
            throw new CheckpointException(
                    dir
                            + ": unexpected tensor(s) "
                            + abbreviate(extra)
                            + " for this config.json ("
                            + extra.size()
                            + ")"
                            + (tiedHead
                                    ? "; config.json says tie_word_embeddings=true, so"
                                            + " lm_head.weight would be ignored (set it to false to"
                                            + " use this head)"
                                    : ""));
        }
    }

    private static String abbreviate(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 3 ? l.toString() : l.subList(0, 3) + "...";
    }

    /**
     * Saves a model in the Hugging Face layout: {@code config.json}, {@code generation_config.json}
     * and safetensors (sharded above {@code maxShardBytes}). Every file is written atomically, so a
     * failure (full disk, unwritable folder) leaves each file either as it was or complete.
     *
     * @param model the model
     * @param dir the folder (created if needed)
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes shard size limit
     * @throws IOException if writing fails; the one-line message names the folder, the file and the
     *     cause, e.g. {@code cannot save model to out: out/model.safetensors: No space left on
     *     device}
     */
    public static void save(LlamaModel model, Path dir, SafetensorsDtype dtype, long maxShardBytes)
            throws IOException {
        if (model == null || dir == null || dtype == null) {
            throw new IllegalArgumentException("save: model, dir and dtype must not be null");
        }
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("maxShardBytes must be >= 1, got " + maxShardBytes);
        }
        if (!model.getEmbedding().isInitialized()) {
            throw new IllegalArgumentException("save: the model is not initialised");
        }
        model.requireMatrices(); // a fused engine may have freed the model's own copies
        try {
            write(model, dir, dtype, maxShardBytes);
        } catch (IOException e) {
            throw new IOException(
                    "cannot save model to " + dir + ": " + IoErrors.describe(e, dir), e);
        }
    }

    private static void write(
            LlamaModel model, Path dir, SafetensorsDtype dtype, long maxShardBytes)
            throws IOException {
        Files.createDirectories(dir);
        LlamaConfig c = model.getConfig();
        String torchDtype =
                switch (dtype) {
                    case F32 -> "float32";
                    case F16 -> "float16";
                    case BF16 -> "bfloat16";
                    default ->
                            throw new IllegalArgumentException("cannot save weights as " + dtype);
                };
        LlamaConfig out = c.toBuilder().optTorchDtype(torchDtype).build();
        try (NDManager tmp = model.getEmbedding().getArray().getManager().newSubManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (HfWeightMap.Entry e : HfWeightMap.entries(model)) {
                NDArray p = e.parameter().getArray();
                NDArray t =
                        e.wholeParameter()
                                ? p
                                : p.get(
                                        tmp,
                                        new NDIndex(
                                                "{}:{}", e.rowStart(), e.rowStart() + e.rows()));
                tensors.put(e.hfName(), t);
            }
            CheckpointWriter.writeShardedArrays(dir, tensors, dtype, maxShardBytes);
        }
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), HfConfigJson.toJson(out));
        AtomicFiles.writeString(
                dir.resolve(GENERATION_CONFIG_FILE), HfConfigJson.toGenerationJson(c));
    }
}
