package org.layerskip.engine;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import org.layerskip.cache.DecoderState;
import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.EmbeddingFile;
import org.layerskip.nn.LlamaDecoderLayer;
import org.layerskip.nn.LlamaModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntConsumer;

/**
 * The fused decode engine: the decoder's inference math as one weight-free TorchScript program
 * ({@code layerskip_decoder.py}, about 15 KB of code, written into an archive by {@link
 * TorchScriptArchive} and compiled by LibTorch at load), so that a whole pass — embedding, layers
 * {@code a..b} with the KV cache written in place, the exit-state store, the shared head and the
 * token choice — is <b>one native call</b>, and a whole self-speculative round is one more. The
 * weights are never copied: they are passed as one list of the model's own tensors, built once per
 * model; the KV buffers once per request; per call only a list of integers crosses JNI.
 *
 * <p>Built once per model and shared by every request and thread (the program holds no state).
 * Supports F32 and F16 weights on DJL's PyTorch engine, CPU (tested) and CUDA (documented,
 * untested); {@link #support} says why a model is refused, and {@link Engines} then falls back to
 * the per-op path.
 */
public final class FusedEngine implements DecodeEngine {

    static final String CLASS_NAME = "LayerSkipDecoder";
    private static final String SOURCE = "layerskip_decoder.py";

    /**
     * System property: the most bytes of transposed weight copies the engine may make. Small fp32
     * matrices (at most 4 MiB each, the in-cache regime) run 2-2.5x faster as {@code x @ W^T} with
     * {@code W^T} contiguous than as {@code linear(x, W)} (measured on LibTorch 2.7.1's MKL); the
     * copy costs the matrix's size again. Default: 32 MiB, or 8% of the weights if that is more, at
     * most 256 MiB, so memory stays close to the weights; 0 turns it off.
     */
    public static final String TRANSPOSE_BYTES_PROPERTY = "layerskip.fused.transposeBytes";

    /**
     * System property {@code true}: run the fp32 matrices that are not transposed through oneDNN
     * with prepacked weights ({@code mkldnn._linear_pointwise}), whose multi-token passes cost
     * little more than one-token passes (MKL's small-M GEMM costs 3x its GEMV at 8 tokens). The
     * packed copy costs the weights' size again, so it is off by default.
     */
    public static final String PREPACK_PROPERTY = "layerskip.fused.prepack";

    /**
     * System property: the kernel of half-precision (F16) matrices on CPU. {@code fbgemm}
     * (default): packed once by FBGEMM ({@code quantized::linear_prepack_fp16}, in row blocks) and
     * multiplied with float32 activations by its AVX2/AVX-512 kernel ({@code
     * quantized::linear_dynamic_fp16}, split over PyTorch's intra-op threads), which streams half
     * of fp32's bytes per token where LibTorch's own F16 {@code linear} converts at ~6 GB/s and is
     * no faster than fp32. The packed matrices replace the model's copies (memory stays at the
     * weights), so the per-op path can no longer run that model ({@link
     * LlamaModel#retireMatrices}). {@code linear}: LibTorch's F16 linear on the model's own
     * tensors, shared with the per-op path.
     */
    public static final String HALF_KERNEL_PROPERTY = "layerskip.fused.halfKernel";

    /**
     * System property {@code true}: pack a tied LM head for FBGEMM even when lookups cannot read
     * the checkpoint's mapped embedding ({@value #MAP_EMBEDDING_PROPERTY}{@code =false}, or a model
     * built in memory): the embedding then stays in memory for lookups next to the packed head, a
     * second copy (525 MB for Llama 3.2 1B, 21% of its weights). Off by default.
     */
    public static final String PACK_TIED_HEAD_PROPERTY = "layerskip.fused.packTiedHead";

    /**
     * System property: how many threads pack matrices for FBGEMM at once (default: the available
     * processors).
     */
    public static final String PACK_THREADS_PROPERTY = "layerskip.fused.packThreads";

    /**
     * System property {@code false}: pack the FBGEMM matrices before {@link #create} returns. By
     * default they are packed in the background (FBGEMM packs at about 15 ns per element, 7-9 s of
     * two cores for Llama 3.2 1B): requests start at once on the model's own F16 matrices, and each
     * matrix switches to its packed copy as soon as that is ready, between two passes; {@link
     * #awaitReady} waits for the end.
     */
    public static final String PACK_IN_BACKGROUND_PROPERTY = "layerskip.fused.packInBackground";

    /**
     * System property {@code false}: keep the token embedding in memory. By default, when FBGEMM
     * packs the matrices of a model loaded from a checkpoint ({@link LlamaModel#embeddingFile}),
     * lookups read the checkpoint's embedding through a copy-on-write memory map that is never
     * written (the pages lookups touch count in memory, not the table), the model's copy is freed,
     * and a tied head is packed as well, from the mapped table, before any pass (passes wait for
     * it: 2-4 s for Llama 3.2 1B on two cores; its head being 21% of the weights, autoregressive
     * decoding then ran 1.05-1.17x and early exit 1.2-1.5x faster). As with any memory-mapped model
     * (llama.cpp's default), the checkpoint file must not be rewritten in place while the model is
     * loaded; a file that changed since loading is not mapped.
     */
    public static final String MAP_EMBEDDING_PROPERTY = "layerskip.fused.mapEmbedding";

    /** FBGEMM's packed half-precision blocks are this many input columns deep. */
    static final long PACK_DEPTH = 512;

    /** The most padding (share of the matrix) that packing may add; tests raise it. */
    static volatile double packMaxPadding = 0.05;

    /**
     * The float32 copy that FBGEMM's packing reads is made one row block at a time, of at most this
     * many bytes and at most 1/64 of the weights, so loading stays close to the weights (the Llama
     * 3 head alone is 1 GB in fp32); smaller blocks also pack faster (1B: 8.1 s with 4 MiB blocks
     * against 11.4 s with 64 MiB, two threads), and decode as fast within the noise.
     */
    static volatile long packBlockBytes = 8L << 20; // tests make it small to test many blocks

    /** Tests: runs before each matrix is adopted, with its place in packing order. */
    static volatile IntConsumer beforeAdopt;

    private static final long TRANSPOSE_MAX_MATRIX = 4L << 20;
    private static final String PACKED_MARK = "# @packed";
    private static final ThreadLocal<Boolean> CONFIGURED = ThreadLocal.withInitial(() -> false);
    private static final Logger LOG = LoggerFactory.getLogger(FusedEngine.class);

    private final LlamaConfig config;
    private final DataType dataType;
    private final PtNDManager programManager;
    private final PtSymbolBlock module;
    private final IValue weights;

    /** FBGEMM's packed blocks (kernel 3), appended by adopt(); empty when nothing is packed. */
    private final IValue packedBlocks;

    private final List<NDArray> owned;
    private final long[] kinds;
    private final long[] layout;
    private final long extraBytes;
    private final boolean mappedEmbedding;
    private final EmbeddingFile embeddingFile;

    /**
     * Passes hold the read lock and adopting a packed matrix the write lock, so no pass sees a
     * matrix half swapped; closing the model takes it too, so the weights are freed after packing
     * let go of them.
     */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private final CompletableFuture<Void> packed = new CompletableFuture<>();

    /** Whether a tied head is packed from the mapped checkpoint, first, while passes wait. */
    private final boolean headFromFile;

    /** Open once that head can be used (at once when there is none). */
    private final CountDownLatch headReady;

    private volatile boolean closed;
    private volatile int matricesPacked;

    private FusedEngine(
            LlamaModel model, PtNDManager manager, String source, boolean prepack, boolean half) {
        this.config = model.getConfig();
        this.dataType = model.dataType();
        this.owned = new ArrayList<>();
        long budget = Long.getLong(TRANSPOSE_BYTES_PROPERTY, defaultTransposeBudget(model));
        EmbeddingFile map = half ? mappable(model) : null;
        long[] k = kinds(model, budget, prepack, half, map != null);
        boolean tied = model.getConfig().tieWordEmbeddings();
        if (map != null && (!frees(layout(model, k, true)) || tied && k[k.length - 1] != 3)) {
            // nothing is packed and freed, or a tied head that is not packed still needs the
            // embedding as it is: the model keeps its embedding
            map = null;
            k = kinds(model, budget, prepack, half, false);
        }
        this.kinds = k;
        this.mappedEmbedding = map != null;
        this.embeddingFile = map;
        this.layout = layout(model, kinds, mappedEmbedding);
        this.headFromFile = headFromFile(model, kinds, mappedEmbedding);
        this.headReady = new CountDownLatch(headFromFile ? 1 : 0);
        long extra = 0;
        List<Parameter> matrices = matrices(model);
        for (int i = 0; i < kinds.length; i++) {
            boolean freed = kinds[i] == 3 && layout[kinds.length + 4 * i + 3] != 0;
            if (kinds[i] != 0 && !freed) {
                extra += matrices.get(i).getArray().size() * dataType.getNumOfBytes();
            }
        }
        this.extraBytes = extra;
        byte[] archive =
                TorchScriptArchive.build(
                        "layerskip_decoder", CLASS_NAME, prepack ? source : withoutPacked(source));
        // the program lives under a manager of its own, closed by release() once background
        // packing, which runs it, has stopped (the model's manager closes its resources in no
        // particular order)
        this.programManager = (PtNDManager) manager.getEngine().newBaseManager(manager.getDevice());
        try {
            this.module =
                    JniUtils.loadModule(
                            programManager, new ByteArrayInputStream(archive), true, false);
        } catch (IOException | EngineException e) {
            programManager.close();
            throw new UnsupportedOperationException(
                    "the fused decode program did not load in LibTorch: " + oneLine(e), e);
        }
        List<PtNDArray> w = new ArrayList<>();
        w.add(array(model.getEmbedding()));
        w.add(array(model.getNorm().getWeight()));
        w.add(array(model.getLmHead()));
        double[] inv = model.getRope().inverseFrequencies();
        w.add(own(manager.create(inv)));
        w.add(own(model.getRope().rotateHalfMatrix(manager, dataType, true)));
        int h = config.numHeads();
        int kvh = config.numKvHeads();
        double[] scale = new double[h + kvh];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = i < h ? 1.0 / Math.sqrt(config.headDim()) : 1.0;
        }
        w.add(own(manager.create(scale, new Shape(h + kvh, 1))));
        for (int l = 0; l < model.numLayers(); l++) {
            LlamaDecoderLayer layer = model.getLayer(l);
            w.add(array(layer.getInputNorm().getWeight()));
            w.add(array(layer.getAttention().getQkv()));
            w.add(array(layer.getAttention().getO()));
            w.add(array(layer.getPostAttentionNorm().getWeight()));
            w.add(array(layer.getMlp().getGateUp()));
            w.add(array(layer.getMlp().getDown()));
        }
        if (frees(layout)) {
            // from now on matrices may be freed at any moment: the per-op path must not start
            model.retireMatrices(
                    "FBGEMM packs them in half precision and frees the model's copies; set -D"
                            + HALF_KERNEL_PROPERTY
                            + "=linear to keep them");
        }
        IValue prepared = null;
        IValue blocks = null;
        IValue plain = IValue.listFrom(w.toArray(new PtNDArray[0]));
        IValue plan = IValue.listFrom(layout);
        try {
            blocks = run("packed_list");
            prepared = run("prepare", plain, plan);
            if (map != null) {
                mapEmbedding(prepared, plain, map);
            }
        } catch (EngineException e) {
            if (prepared != null) {
                prepared.close();
            }
            if (blocks != null) {
                blocks.close();
            }
            plain.close();
            plan.close();
            programManager.close();
            throw new UnsupportedOperationException(
                    "the fused engine could not lay out the weights: " + oneLine(e), e);
        }
        this.weights = prepared;
        this.packedBlocks = blocks;
        // freed with the model's arrays, once packing has let go of them
        manager.attachInternal("layerskip-fused-" + weights.getUid(), this::release);
        List<Integer> todo = packOrder(model, kinds, mappedEmbedding);
        if (todo.isEmpty()) {
            plain.close();
            plan.close();
            packed.complete(null);
        } else if (Boolean.parseBoolean(System.getProperty(PACK_IN_BACKGROUND_PROPERTY, "true"))) {
            Thread t =
                    new Thread(
                            () -> {
                                JniUtils.setGradMode(false); // set_() on frozen leaves only
                                packAll(todo, plain, plan);
                            },
                            "layerskip-fbgemm-adopt");
            t.setDaemon(true);
            t.start();
        } else {
            packAll(todo, plain, plan);
        }
    }

    /** Closes the weights once no pass and no adoption uses them (the model's manager calls it). */
    private void release() {
        closed = true;
        packed.join(); // a pack in flight ends within seconds; adoption stops at `closed`
        lock.writeLock().lock();
        try {
            weights.close();
            packedBlocks.close();
            programManager.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Maps the checkpoint's embedding, makes the program look tokens up there and frees the model's
     * copy (see {@value #MAP_EMBEDDING_PROPERTY}).
     */
    private void mapEmbedding(IValue prepared, IValue plain, EmbeddingFile map) {
        try (TableArgs t = new TableArgs(map);
                IValue r =
                        run("map_embedding", prepared, plain, t.path, t.numel, t.offset, t.type)) {
            LOG.debug("token lookups read {} through a memory map", map.file());
        }
        NativeHeap.trim();
    }

    /**
     * The program's arguments that name the checkpoint's embedding for {@code torch.from_file}
     * (LibTorch maps the file itself: DJL's JNI cannot make BF16 tensors): the path, the elements
     * to map from the file's start, the table's first element and LibTorch's code of its type.
     */
    private static final class TableArgs implements AutoCloseable {
        final IValue path;
        final IValue numel;
        final IValue offset;
        final IValue type;

        TableArgs(EmbeddingFile f) {
            int eb = f.elementBytes();
            path = IValue.from(f.file().toAbsolutePath().toString());
            numel = IValue.from((f.offset() + f.length()) / eb);
            offset = IValue.from(f.offset() / eb);
            type =
                    IValue.from(
                            switch (f.dtype()) {
                                case "BF16" -> 15L;
                                case "F16" -> 5L;
                                default -> 6L;
                            });
        }

        @Override
        public void close() {
            path.close();
            numel.close();
            offset.close();
            type.close();
        }
    }

    /**
     * Whether the embedding can be mapped from the checkpoint: the property allows it, the model
     * was loaded from a file that has not changed since, on CPU, with the expected size.
     */
    private static EmbeddingFile mappable(LlamaModel model) {
        if (!Boolean.parseBoolean(System.getProperty(MAP_EMBEDDING_PROPERTY, "true"))) {
            return null;
        }
        EmbeddingFile f = model.embeddingFile().orElse(null);
        if (f == null) {
            return null;
        }
        LlamaConfig c = model.getConfig();
        if (f.length() != (long) c.vocabSize() * c.hiddenSize() * f.elementBytes()
                || f.offset() % f.elementBytes() != 0) {
            return null; // the program maps whole elements from the file's start
        }
        String changed = f.changed();
        if (changed != null) {
            LOG.warn("keeping the token embedding in memory: {}", changed);
            return null;
        }
        return f;
    }

    /** Whether a layout packs and frees at least one of the model's matrices. */
    private static boolean frees(long[] layout) {
        int m = layout.length / 5;
        for (int i = 0; i < m; i++) {
            if (layout[i] == 3 && layout[m + 4 * i + 3] != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Packs the kernel-3 matrices: FBGEMM packs element by element (about 15 ns each, 15-18 s of
     * one core for Llama 3.2 1B), so matrices are packed on up to {@value #PACK_THREADS_PROPERTY}
     * threads at once (default: the available processors), while this thread adopts them in packing
     * order under the write lock: appends the blocks (the program uses them from the next pass on),
     * frees the model's copy and trims the C heap, so a freed matrix leaves the process at once
     * instead of staying in glibc's heap (1.7x the weights at the peak instead of 1.05x, measured
     * by LoadFootprintTest). At most one matrix per thread is held both packed and loaded. A
     * failure stops packing with a warning: the matrices not packed keep running on the model's
     * copies, so the engine stays correct. Closes {@code plain} and {@code plan}.
     */
    private void packAll(List<Integer> todo, IValue plain, IValue plan) {
        int m = kinds.length;
        int threads =
                Math.max(
                        1,
                        Math.min(
                                todo.size(),
                                Integer.getInteger(
                                        PACK_THREADS_PROPERTY,
                                        Runtime.getRuntime().availableProcessors())));
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "layerskip-fbgemm-pack");
                            t.setDaemon(true);
                            return t;
                        });
        // a tied head that passes wait for is packed by every thread at once, in parts
        List<long[]> tasks = new ArrayList<>(); // matrix, first block, end block
        for (int i : todo) {
            long n = layout[m + 4 * i + 1];
            int parts = i == m - 1 && headFromFile ? (int) Math.min(threads, n) : 1;
            for (int p = 0; p < parts; p++) {
                tasks.add(new long[] {i, n * p / parts, n * (p + 1) / parts});
            }
        }
        List<Future<IValue>> blocks = new ArrayList<>();
        int adopted = 0;
        try {
            // at most `threads` parts packed and not yet adopted: the next one is submitted when
            // one is adopted, in packing order (so memory holds at most one extra matrix per
            // thread)
            for (int j = 0; j < Math.min(threads, tasks.size()); j++) {
                blocks.add(submitPack(pool, tasks.get(j), plain, plan));
            }
            for (int j = 0; j < tasks.size() && !closed; j++) {
                long[] task = tasks.get(j);
                int i = (int) task[0];
                boolean last = task[2] == layout[m + 4 * i + 1];
                IntConsumer hook = beforeAdopt;
                if (hook != null) {
                    hook.accept(j);
                }
                try (IValue b = blocks.get(j).get()) {
                    adopted++;
                    lock.writeLock().lock();
                    try {
                        if (closed) {
                            break;
                        }
                        try (IValue index = IValue.from((long) i);
                                IValue end = IValue.from(last);
                                IValue size =
                                        run(
                                                "adopt",
                                                plain,
                                                weights,
                                                packedBlocks,
                                                b,
                                                plan,
                                                index,
                                                end)) {
                            long expected = layout[m + 4 * i] + task[2];
                            if (size.toLong() != expected) {
                                throw new IllegalStateException(
                                        "packing matrix "
                                                + i
                                                + " left "
                                                + size.toLong()
                                                + " entries, not "
                                                + expected);
                            }
                        }
                        if (last) {
                            matricesPacked++;
                            if (i == m - 1) {
                                headReady.countDown();
                            }
                        }
                    } finally {
                        lock.writeLock().unlock();
                    }
                }
                if (j + threads < tasks.size()) {
                    blocks.add(submitPack(pool, tasks.get(j + threads), plain, plan));
                }
                NativeHeap.trim();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn(
                    "packing the weights was interrupted; {} of {} matrices packed",
                    matricesPacked,
                    todo.size());
        } catch (ExecutionException | RuntimeException e) {
            Throwable c = e instanceof ExecutionException ? e.getCause() : e;
            if (closed) {
                LOG.debug("packing stopped: the model was closed", c);
                return;
            }
            LOG.warn(
                    "packing the weights for FBGEMM stopped after {} of {} matrices; the others"
                            + " run on LibTorch's F16 linear: {}",
                    matricesPacked,
                    todo.size(),
                    oneLine(c));
        } finally {
            pool.shutdownNow();
            try {
                // a pack in flight reads `plain`: wait for it before freeing the list
                while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    LOG.debug("waiting for a packing thread");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Future<IValue> f : blocks.subList(adopted, blocks.size())) {
                // packed but never adopted (a failure or a close): free them
                if (f.isDone() && !f.isCancelled()) {
                    try {
                        f.get().close();
                    } catch (InterruptedException | ExecutionException | RuntimeException e) {
                        // already reported, or never made
                    }
                }
            }
            if (headReady.getCount() > 0) {
                headCopy();
            }
            plain.close();
            plan.close();
            packed.complete(null);
        }
    }

    /** A mapped tied head that was not packed gets an in-memory copy for linear, then opens. */
    private void headCopy() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                try (IValue r = run("head_copy", weights)) {
                    LOG.warn("the LM head runs on LibTorch's F16 linear, from a copy of the table");
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("the LM head could not be copied: {}", oneLine(e));
        } finally {
            headReady.countDown();
            lock.writeLock().unlock();
        }
    }

    /**
     * Waits until the background packing of FBGEMM matrices has ended ({@value
     * #PACK_IN_BACKGROUND_PROPERTY}); benchmarks call it before timing. Returns at once when
     * nothing is packed.
     */
    @Override
    public void awaitReady() {
        packed.join();
    }

    /**
     * Returns how many matrices run packed by FBGEMM so far.
     *
     * @return the number of adopted matrices
     */
    public int matricesPacked() {
        return matricesPacked;
    }

    private Future<IValue> submitPack(
            ExecutorService pool, long[] task, IValue plain, IValue plan) {
        int i = (int) task[0];
        boolean fromFile = i == kinds.length - 1 && headFromFile;
        return pool.submit(
                () -> {
                    JniUtils.setGradMode(false);
                    try (IValue index = IValue.from((long) i);
                            IValue from = IValue.from(task[1]);
                            IValue to = IValue.from(task[2])) {
                        if (!fromFile) {
                            return run("pack", plain, plan, index, from, to);
                        }
                        try (TableArgs t = new TableArgs(embeddingFile);
                                IValue rows = IValue.from((long) config.vocabSize());
                                IValue width = IValue.from((long) config.hiddenSize())) {
                            return run(
                                    "pack_mapped",
                                    plan,
                                    index,
                                    t.path,
                                    t.numel,
                                    t.offset,
                                    t.type,
                                    rows,
                                    width,
                                    from,
                                    to);
                        }
                    }
                });
    }

    /** The weight matrices in the program's kernel order: qkv, o, gate_up, down per layer, head. */
    private static List<Parameter> matrices(LlamaModel model) {
        List<Parameter> m = new ArrayList<>();
        for (int l = 0; l < model.numLayers(); l++) {
            LlamaDecoderLayer layer = model.getLayer(l);
            m.add(layer.getAttention().getQkv());
            m.add(layer.getAttention().getO());
            m.add(layer.getMlp().getGateUp());
            m.add(layer.getMlp().getDown());
        }
        m.add(model.getLmHead());
        return m;
    }

    /**
     * Chooses each matrix's kernel: small fp32 matrices transposed (within the byte budget), the
     * others prepacked for oneDNN when asked, else linear as they are; F16 matrices packed by
     * FBGEMM when {@code half} (else linear: on AVX2 LibTorch's transposed F16 matmul is many times
     * slower).
     */
    static long[] kinds(
            LlamaModel model,
            long transposeBudget,
            boolean prepack,
            boolean half,
            boolean mappedEmbedding) {
        List<Parameter> matrices = matrices(model);
        long[] k = new long[matrices.size()];
        long used = 0;
        boolean fp32 = model.dataType() == DataType.FLOAT32;
        half &= model.dataType() == DataType.FLOAT16;
        for (int i = 0; i < k.length; i++) {
            long bytes = matrices.get(i).getArray().size() * model.dataType().getNumOfBytes();
            if (fp32 && bytes <= TRANSPOSE_MAX_MATRIX && used + bytes <= transposeBudget) {
                k[i] = 1;
                used += bytes;
            } else if (prepack && fp32) {
                k[i] = 2;
            } else if (half && packs(model, i == k.length - 1, matrices.get(i), mappedEmbedding)) {
                k[i] = 3;
            }
        }
        return k;
    }

    /**
     * Whether FBGEMM's half-precision packing pays for a matrix: its blocks are 512 input columns
     * deep, so an input width that is not close to a multiple of 512 would be padded by more than
     * 5% ({@link #packMaxPadding}; Llama widths 2048, 3072, 4096, 8192, 11008, 14336: at most 2.3%;
     * 640: 60%); and a tied head is packed when lookups read the mapped checkpoint ({@value
     * #MAP_EMBEDDING_PROPERTY}), else only if {@value #PACK_TIED_HEAD_PROPERTY} (packing it then
     * adds a copy of the embedding, which lookups still need).
     */
    static boolean packs(
            LlamaModel model, boolean head, Parameter matrix, boolean mappedEmbedding) {
        long in = matrix.getArray().getShape().get(1);
        long padded = (in + PACK_DEPTH - 1) / PACK_DEPTH * PACK_DEPTH;
        if (padded > in * (1 + packMaxPadding)) {
            return false;
        }
        return !head
                || !model.getConfig().tieWordEmbeddings()
                || mappedEmbedding
                || Boolean.getBoolean(PACK_TIED_HEAD_PROPERTY);
    }

    /**
     * The matrix layout the program's {@code prepare} follows: the kernels, then per matrix the
     * index of its first FBGEMM block in the prepared list, the number of blocks, rows per block
     * and whether the model's copy is freed (all but a tied head whose embedding lookups still
     * need, that is unless lookups read the mapped checkpoint).
     */
    static long[] layout(LlamaModel model, long[] kinds, boolean mappedEmbedding) {
        List<Parameter> matrices = matrices(model);
        int m = kinds.length;
        long[] out = new long[5 * m];
        System.arraycopy(kinds, 0, out, 0, m);
        long next = 0; // blocks are appended to the program's packed list (pq)
        long weights = 0;
        for (Parameter p : matrices) {
            weights += p.getArray().size() * 2;
        }
        // the float32 copy of one block: at most packBlockBytes and 1/64 of the weights (at least
        // 1 MiB)
        long blockBytes = Math.min(packBlockBytes, Math.max(1L << 20, weights / 64));
        for (int i : packOrder(model, kinds, mappedEmbedding)) {
            Shape s = matrices.get(i).getArray().getShape();
            long rows = Math.max(1, blockBytes / (s.get(1) * 4));
            long blocks = (s.get(0) + rows - 1) / rows;
            boolean tiedHead = i == m - 1 && model.getConfig().tieWordEmbeddings();
            out[m + 4 * i] = next;
            out[m + 4 * i + 1] = blocks;
            out[m + 4 * i + 2] = rows;
            // 1: adopt() frees the model's copy; 2: map_embedding() freed it (a tied head)
            out[m + 4 * i + 3] = !tiedHead ? 1 : mappedEmbedding ? 2 : 0;
            next += blocks;
        }
        return out;
    }

    /**
     * The order in which kernel-3 matrices are packed and their blocks appended: matrix order,
     * except that a tied head packed from the mapped checkpoint comes first (passes wait for it).
     */
    static List<Integer> packOrder(LlamaModel model, long[] kinds, boolean mappedEmbedding) {
        int m = kinds.length;
        List<Integer> order = new ArrayList<>();
        boolean headFirst = headFromFile(model, kinds, mappedEmbedding);
        if (headFirst) {
            order.add(m - 1);
        }
        for (int i = 0; i < (headFirst ? m - 1 : m); i++) {
            if (kinds[i] == 3) {
                order.add(i);
            }
        }
        return order;
    }

    /** Whether a tied head is packed, and from the mapped checkpoint (whose lookups replace it). */
    private static boolean headFromFile(LlamaModel model, long[] kinds, boolean mappedEmbedding) {
        return mappedEmbedding
                && model.getConfig().tieWordEmbeddings()
                && kinds[kinds.length - 1] == 3;
    }

    /** 32 MiB, or 8% of the weights if that is more, at most 256 MiB. */
    static long defaultTransposeBudget(LlamaModel model) {
        long weights = 0;
        for (var p : model.getParameters()) {
            weights += p.getValue().getArray().size() * model.dataType().getNumOfBytes();
        }
        return Math.min(256L << 20, Math.max(32L << 20, weights * 8 / 100));
    }

    private static String withoutPacked(String source) {
        StringBuilder sb = new StringBuilder(source.length());
        for (String line : source.split("\n", -1)) {
            if (!line.stripTrailing().endsWith(PACKED_MARK)) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    long[] kinds() {
        return kinds.clone();
    }

    /** Whether token lookups read the checkpoint's memory-mapped embedding. */
    boolean embeddingMapped() {
        return mappedEmbedding;
    }

    long[] layout() {
        return layout.clone();
    }

    /**
     * Returns the bytes of the weight copies this engine made (transposed or packed matrices).
     *
     * @return extra bytes beyond the model's own weights
     */
    public long extraWeightBytes() {
        return extraBytes;
    }

    /**
     * Loads the fused program for a model.
     *
     * @param model an initialised model
     * @return the engine
     * @throws UnsupportedOperationException when the model cannot run fused (see {@link #support})
     */
    public static FusedEngine create(LlamaModel model) {
        return create(model, TorchScriptArchive.resource(SOURCE));
    }

    /**
     * Loads a fused program from source (tests: a broken program must fail clearly).
     *
     * @param model an initialised model
     * @param source the program in TorchScript's serialized-code dialect
     * @return the engine
     */
    static FusedEngine create(LlamaModel model, String source) {
        String why = support(model);
        if (why != null) {
            throw new UnsupportedOperationException(
                    "the fused engine cannot run this model: " + why);
        }
        if (model.matricesRetired()) {
            throw new UnsupportedOperationException(
                    "the model's weight matrices were freed by another fused engine");
        }
        PtNDManager manager = (PtNDManager) model.getEmbedding().getArray().getManager();
        boolean prepack =
                Boolean.getBoolean(PREPACK_PROPERTY) && model.dataType() == DataType.FLOAT32;
        boolean half = halfKernelFbgemm(model);
        if (prepack || half) {
            try {
                return new FusedEngine(model, manager, source, prepack, half);
            } catch (UnsupportedOperationException e) {
                if (model.matricesRetired()) {
                    throw e; // some matrices are gone: no plain program can run this model now
                }
                // a LibTorch build without oneDNN's packed linear: the plain program still runs
                // (FBGEMM failures are handled while packing: unpacked matrices run on linear)
                LOG.warn(
                        "packing the weights ({}) failed, running without it: {}",
                        prepack ? "oneDNN" : "FBGEMM half precision",
                        e.getMessage());
            }
        }
        return new FusedEngine(model, manager, source, false, false);
    }

    /**
     * Whether F16 matrices go through FBGEMM: on CPU, unless {@value #HALF_KERNEL_PROPERTY} says
     * linear.
     */
    private static boolean halfKernelFbgemm(LlamaModel model) {
        String k = System.getProperty(HALF_KERNEL_PROPERTY, "fbgemm");
        if (!k.equals("fbgemm") && !k.equals("linear")) {
            throw new IllegalArgumentException(
                    "-D" + HALF_KERNEL_PROPERTY + " must be fbgemm or linear, got '" + k + "'");
        }
        return k.equals("fbgemm")
                && model.dataType() == DataType.FLOAT16
                && Device.Type.CPU.equals(
                        model.getEmbedding().getArray().getDevice().getDeviceType());
    }

    /**
     * Says why the fused engine cannot run a model, or null when it can.
     *
     * @param model a model
     * @return the reason, or null
     */
    public static String support(LlamaModel model) {
        if (model == null || model.getEmbedding().getArray() == null) {
            return "the model is not initialised";
        }
        NDArray e = model.getEmbedding().getArray();
        if (!(e instanceof PtNDArray) || !(e.getManager() instanceof PtNDManager)) {
            return "its weights are not on DJL's PyTorch engine ("
                    + e.getManager().getEngine().getEngineName()
                    + ")";
        }
        DataType t = e.getDataType();
        if (t != DataType.FLOAT32 && t != DataType.FLOAT16) {
            return "its weights are " + t + " (the fused step supports float32 and float16)";
        }
        Device d = e.getDevice();
        if (!Device.Type.CPU.equals(d.getDeviceType()) && !d.isGpu()) {
            return "its weights are on " + d + " (the fused step supports CPU and CUDA)";
        }
        return null;
    }

    /** {@inheritDoc} */
    @Override
    public EngineKind kind() {
        return EngineKind.FUSED;
    }

    /** {@inheritDoc} */
    @Override
    public EngineSession open(DecoderState state, TokenSampler sampler, int maxDraft) {
        if (state.dataType() != dataType || state.numLayers() != config.numLayers()) {
            throw new IllegalArgumentException("the state was not made for this model");
        }
        return new FusedSession(this, state, sampler, maxDraft);
    }

    LlamaConfig config() {
        return config;
    }

    IValue weights() {
        return weights;
    }

    /** FBGEMM's packed blocks, the passes' {@code pq} argument. */
    IValue packedBlocks() {
        return packedBlocks;
    }

    /**
     * Runs a pass ({@code step} or {@code speculate}) under the read lock, so that no packed matrix
     * is swapped in during it; the caller closes the result.
     *
     * @param method the method
     * @param inputs the IValues
     * @return the result
     */
    IValue runPass(String method, IValue... inputs) {
        if (headReady.getCount() > 0) {
            try {
                headReady.await(); // a tied head packed from the mapped checkpoint, seconds
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while the LM head was being packed", e);
            }
        }
        lock.readLock().lock();
        try {
            return run(method, inputs);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Runs one of the program's methods; the caller closes the result.
     *
     * @param method {@code step} or {@code speculate}
     * @param inputs the IValues
     * @return the result
     */
    IValue run(String method, IValue... inputs) {
        if (!CONFIGURED.get()) {
            // LibTorch's graph executor setting is per thread; its profiling passes double the
            // per-op cost of this program, which is already as fused as it gets.
            JniUtils.setGraphExecutorOptimize(false);
            CONFIGURED.set(true);
        }
        return IValueUtils.runMethod(module, method, inputs);
    }

    private static PtNDArray array(Parameter p) {
        NDArray a = p.getArray();
        if (!(a instanceof PtNDArray)) {
            throw new UnsupportedOperationException(
                    "parameter " + p.getName() + " is not a PyTorch array");
        }
        return (PtNDArray) a;
    }

    private PtNDArray own(NDArray a) {
        NDArray copy = a.duplicate(); // engine-owned memory, not a wrapped Java buffer
        a.close();
        owned.add(copy);
        return (PtNDArray) copy;
    }

    /** LibTorch's compiler message in one line: what went wrong and where. */
    private static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (String line : String.valueOf(e.getMessage()).split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (sb.length() == 0) {
                sb.append(t);
            } else if (t.startsWith("File ")) {
                sb.append(" (").append(t).append(')');
                break;
            }
        }
        return sb.length() == 0 ? e.getClass().getSimpleName() : sb.toString();
    }
}
