package org.layerskip.examples;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import org.layerskip.config.LlamaConfig;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.Engines;
import org.layerskip.engine.FusedEngine;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.TokenListener;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Measures what loading a Hugging Face folder costs and what decoding it adds: load time (wall,
 * user and system CPU), time to the first generated token, and peak resident memory against the
 * weights and KV cache. The "base" is the resident memory just before loading, after the JVM, the
 * PyTorch engine and the tokenizer have started and a tiny random model of the same dtype has been
 * loaded, decoded 8 tokens and closed (so code pages, JIT-compiled code and allocator pools that
 * any model needs are in the base, not in the model's share); the peak is Linux's {@code VmHWM},
 * reset to the base first, so {@code peakOverBase} is what loading and decoding this model added.
 *
 * <pre>
 * LoadFootprint --model DIR [--dtype float32|float16] [--max-new-tokens 8] [--prompt TEXT]
 *               [--threads N] [--json true]
 * </pre>
 */
public final class LoadFootprint {

    /**
     * What one run measured (bytes, milliseconds, seconds of CPU).
     *
     * @param model the folder
     * @param dtype float32 or float16
     * @param threads PyTorch intra-op threads (0 = PyTorch's default)
     * @param parameters parameter count
     * @param weightBytes parameters times the dtype's size
     * @param kvCacheBytes the KV cache the generation allocated
     * @param baseRssBytes resident memory before loading
     * @param baseAnonBytes the anonymous part of it ({@code RssAnon}: heap and native allocations)
     * @param anonAfterDecodeBytes {@code RssAnon} at the end
     * @param peakAfterLoadBytes peak resident memory at the end of loading
     * @param peakAfterDecodeBytes peak resident memory at the end of decoding
     * @param rssAfterDecodeBytes resident memory at the end
     * @param directBufferBytes Java direct-buffer bytes that loading added (and kept alive)
     * @param peakResetWorked whether the kernel reset the peak to the base before loading
     * @param loadMs wall time of {@code HfLlama.load}
     * @param loadUserSeconds user CPU time during loading (all threads)
     * @param loadSystemSeconds system CPU time during loading (all threads)
     * @param loadToFirstTokenMs from the start of loading to the first generated token
     * @param jvmStartToFirstTokenMs from JVM start to the first generated token
     * @param promptTokens prompt length
     * @param generatedTokens tokens generated
     * @param decodeTokensPerSecond decode throughput after the first token (while FBGEMM packing
     *     runs in the background, partly on the loaded matrices)
     * @param loadToReadyMs from the start of loading until the fused engine's background packing
     *     ended (the first token's time when there is nothing to pack, or it ended first)
     * @param matricesPacked whether the fused engine packed the matrices (F16 through FBGEMM) and
     *     freed the loaded copies
     */
    public record Result(
            String model,
            String dtype,
            int threads,
            long parameters,
            long weightBytes,
            long kvCacheBytes,
            long baseRssBytes,
            long baseAnonBytes,
            long anonAfterDecodeBytes,
            long peakAfterLoadBytes,
            long peakAfterDecodeBytes,
            long rssAfterDecodeBytes,
            long directBufferBytes,
            boolean peakResetWorked,
            double loadMs,
            double loadUserSeconds,
            double loadSystemSeconds,
            double loadToFirstTokenMs,
            double jvmStartToFirstTokenMs,
            int promptTokens,
            int generatedTokens,
            double decodeTokensPerSecond,
            double loadToReadyMs,
            boolean matricesPacked) {

        /**
         * Returns what loading and decoding added to the base, per byte of weights plus KV cache.
         *
         * @return {@code (peakAfterDecode - base) / (weights + kvCache)}
         */
        public double peakOverBase() {
            return (peakAfterDecodeBytes - baseRssBytes) / (double) (weightBytes + kvCacheBytes);
        }
    }

    private LoadFootprint() {}

    /**
     * Runs the measurement and prints it (a table, or JSON with {@code --json true}).
     *
     * @param args see the class comment
     */
    public static void main(String... args) {
        try {
            ExampleArgs a = new ExampleArgs(args);
            Result r = runExample(args);
            if (Boolean.parseBoolean(a.get("json", "false"))) {
                Gson gson = new GsonBuilder().serializeSpecialFloatingPointValues().create();
                JsonObject json = gson.toJsonTree(r).getAsJsonObject();
                json.addProperty("peakOverBase", r.peakOverBase());
                System.out.println(gson.toJson(json));
            } else {
                System.out.println(describe(r));
            }
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Runs the measurement.
     *
     * @param args see the class comment
     * @return the result
     * @throws Exception if the model cannot be loaded or run
     */
    public static Result runExample(String... args) throws Exception {
        ExampleArgs a = new ExampleArgs(args);
        Path dir = Paths.get(a.get("model", ""));
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "--model must be a Hugging Face folder, got '" + dir + "'");
        }
        String dtypeName = a.get("dtype", "float32");
        DataType dtype =
                switch (dtypeName) {
                    case "float32" -> DataType.FLOAT32;
                    case "float16" -> DataType.FLOAT16;
                    default ->
                            throw new IllegalArgumentException(
                                    "--dtype must be float32 or float16, got " + dtypeName);
                };
        int maxNew = positive(a, "max-new-tokens", 8);
        int threads = a.get("threads", null) == null ? 0 : positive(a, "threads", 1);
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        LlamaConfig config = HfLlama.readConfig(dir);
        Engine.getInstance();
        warmUp(dtype);
        long[] prompt;
        String text = a.get("prompt", "Once upon a time");
        if (Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
            try (LlamaTokenizer tokenizer = LlamaTokenizer.load(dir)) {
                prompt = tokenizer.encode(text);
            }
        } else {
            prompt = new long[] {Math.max(0, config.bosTokenId()), 1, 2, 3};
        }
        System.gc();
        long directBefore = ProcessMemory.directBufferBytes();
        long base = ProcessMemory.residentBytes();
        long baseAnon = ProcessMemory.anonymousBytes();
        boolean reset = ProcessMemory.resetPeak();
        double[] cpu0 = ProcessMemory.cpuSeconds();
        long t0 = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(dir, manager, dtype);
            long loaded = System.nanoTime();
            double[] cpu1 = ProcessMemory.cpuSeconds();
            long peakLoad = ProcessMemory.peakResidentBytes();
            long direct = ProcessMemory.directBufferBytes() - directBefore;
            long[] firstToken = {0};
            GenerationOptions options =
                    GenerationOptions.builder()
                            .optStrategy(DecodingStrategy.AUTOREGRESSIVE)
                            .optMaxNewTokens(maxNew)
                            .optEosTokenIds(java.util.List.of())
                            .build();
            GenerationResult g =
                    new Generator(model)
                            .generate(
                                    prompt,
                                    options,
                                    (row, id, kind) -> {
                                        if (firstToken[0] == 0) {
                                            firstToken[0] = System.nanoTime();
                                        }
                                    });
            // the peak and the end state include packing that runs on after the first token
            DecodeEngine engine = Engines.of(model, null);
            engine.awaitReady();
            boolean packed = engine instanceof FusedEngine f && f.matricesPacked() > 0;
            long ready = packed ? System.nanoTime() : firstToken[0];
            long firstTokenEpochMs =
                    System.currentTimeMillis() - (System.nanoTime() - firstToken[0]) / 1_000_000;
            long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
            return new Result(
                    dir.toString(),
                    dtypeName,
                    threads,
                    config.parameterCount(),
                    config.parameterCount() * dtype.getNumOfBytes(),
                    g.kvCacheBytes(),
                    base,
                    baseAnon,
                    ProcessMemory.anonymousBytes(),
                    peakLoad,
                    ProcessMemory.peakResidentBytes(),
                    ProcessMemory.residentBytes(),
                    direct,
                    reset,
                    (loaded - t0) / 1e6,
                    cpu1[0] - cpu0[0],
                    cpu1[1] - cpu0[1],
                    (firstToken[0] - t0) / 1e6,
                    firstTokenEpochMs - jvmStart,
                    prompt.length,
                    g.numGenerated(),
                    g.numGenerated() > 1 ? g.tokensPerSecond() : Double.NaN,
                    (ready - t0) / 1e6,
                    packed);
        }
    }

    /**
     * Loads and decodes a tiny random model in {@code dtype}, then frees it. Its widths are 512 so
     * that in fp16 the fused engine's FBGEMM packing (its threads, their C-heap arenas) is warmed
     * up too and counted in the base, like any model's fixed costs.
     */
    private static void warmUp(DataType dtype) {
        LlamaConfig tiny =
                LlamaConfig.fromJson(
                        "{\"vocab_size\": 256, \"hidden_size\": 512, \"intermediate_size\": 512,"
                                + " \"num_hidden_layers\": 2, \"num_attention_heads\": 8,"
                                + " \"num_key_value_heads\": 4, \"max_position_embeddings\": 64,"
                                + " \"bos_token_id\": 1, \"eos_token_id\": 2}");
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = LlamaModel.builder().setConfig(tiny).build();
            model.setInitializer(new NormalInitializer(0.02f), p -> true);
            model.initialize(manager, dtype, new Shape(1, 1));
            model.freezeParameters(true);
            new Generator(model)
                    .generate(
                            new long[] {1, 5, 7, 9},
                            GenerationOptions.builder()
                                    .optStrategy(DecodingStrategy.AUTOREGRESSIVE)
                                    .optMaxNewTokens(8)
                                    .optEosTokenIds(java.util.List.of())
                                    .build(),
                            TokenListener.NONE);
        }
    }

    /**
     * Formats a result for people.
     *
     * @param r the result
     * @return a few lines
     */
    static String describe(Result r) {
        return String.format(
                Locale.ROOT,
                "%s as %s (%d parameters, weights %.2f GB, KV cache %.1f MB)%n"
                        + "load %.2f s (user %.2f s, system %.2f s); first token after %.2f s"
                        + " (%.2f s after JVM start); decode %.1f tokens/s; ready after %.2f s%n"
                        + "resident: base %.0f MB, peak after load %.0f MB, after decode %.0f MB"
                        + " (+%.2fx of weights+KV over the base); anonymous %.0f -> %.0f MB;"
                        + " Java direct buffers added by loading: %d bytes%s",
                r.model(),
                r.dtype(),
                r.parameters(),
                r.weightBytes() / 1e9,
                r.kvCacheBytes() / 1e6,
                r.loadMs() / 1e3,
                r.loadUserSeconds(),
                r.loadSystemSeconds(),
                r.loadToFirstTokenMs() / 1e3,
                r.jvmStartToFirstTokenMs() / 1e3,
                r.decodeTokensPerSecond(),
                r.loadToReadyMs() / 1e3,
                r.baseRssBytes() / 1e6,
                r.peakAfterLoadBytes() / 1e6,
                r.peakAfterDecodeBytes() / 1e6,
                r.peakOverBase(),
                r.baseAnonBytes() / 1e6,
                r.anonAfterDecodeBytes() / 1e6,
                r.directBufferBytes(),
                r.matricesPacked() ? "; matrices packed by FBGEMM (F16), loaded copies freed" : "");
    }

    private static int positive(ExampleArgs a, String name, int def) {
        String v = a.get(name, Integer.toString(def));
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "--" + name + " must be a positive integer, got '" + v + "'");
    }
}
