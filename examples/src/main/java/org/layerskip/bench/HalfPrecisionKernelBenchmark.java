package org.layerskip.bench;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import org.layerskip.engine.TorchScriptArchive;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How fast each LibTorch kernel that holds weights in 16 bits streams them for a one-token
 * matrix-vector product (the bandwidth-bound step of decoding), next to float32's MKL {@code
 * linear}: the survey behind the fused engine's choice of FBGEMM for {@code --dtype float16}.
 *
 * <p>Each operation multiplies one float32 activation row by every matrix of a working set of at
 * least 1 GiB of 16-bit weights (2 GiB in float32), several times the last-level cache, so the
 * weights come from memory as in decoding; {@link Bytes#bytes} counts the weight bytes read, so JMH
 * reports the streamed rate in bytes/s next to the passes per second. Shapes are Llama 3.2 1B's two
 * largest matrices (gate and up stacked, 16384 × 2048; down, 2048 × 8192). Kernels:
 *
 * <ul>
 *   <li>{@code fp32}: {@code torch.linear} on float32 weights (MKL);
 *   <li>{@code fp16-linear}, {@code bf16-linear}: {@code torch.linear} on 16-bit weights with the
 *       activation converted to their type;
 *   <li>{@code fp16-fbgemm}: FBGEMM's packed half-precision kernel through LibTorch's deprecated
 *       {@code fbgemm_linear_fp16_weight_fp32_activation}, one call per matrix; it runs on the
 *       calling thread only;
 *   <li>{@code fp16-fbgemm-threaded}: the same kernel through {@code
 *       quantized::linear_dynamic_fp16} (packed by {@code quantized::linear_prepack_fp16}), which
 *       splits each product over the intra-op threads: the fused engine's kernel;
 *   <li>{@code fp16-fbgemm-split}: the same with each matrix in two halves, one forked onto an
 *       inter-op thread: the fused engine's form at two or more threads before it moved to {@code
 *       fp16-fbgemm-threaded} (it always uses two cores, whatever the intra-op thread count);
 *   <li>{@code fp16-onednn}, {@code bf16-onednn}: oneDNN with the weights reordered once ({@code
 *       mkldnn._reorder_linear_weight}, {@code mkldnn._linear_pointwise}).
 * </ul>
 *
 * <p>Setup checks every kernel's product against float32's (within 1% of its largest entry) and
 * fails the trial otherwise; a kernel this LibTorch build or CPU cannot run (oneDNN's 16-bit
 * kernels need AVX-512 F16/BF16 or AMX) fails it with {@link UnsupportedOperationException}. Run it
 * with {@code scripts/layerskip jmh HalfPrecisionKernelBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx1g"})
public class HalfPrecisionKernelBenchmark {

    /** The kernel (see the class comment); its position in this list is the program's k. */
    @Param({
        "fp32",
        "fp16-linear",
        "fp16-fbgemm",
        "fp16-fbgemm-split",
        "fp16-onednn",
        "bf16-linear",
        "bf16-onednn",
        "fp16-fbgemm-threaded"
    })
    public String kernel;

    /** The kernels, in the program's order: {@link #kernel}'s values. */
    static final List<String> KERNELS = kernelNames();

    /** The kernel that runs through {@code quantized::linear_dynamic_fp16} (its own methods). */
    private static final int QUANTIZED = KERNELS.indexOf("fp16-fbgemm-threaded");

    /** PyTorch's intra-op thread count. */
    @Param({"1", "2"})
    public int threads;

    /** Rows × columns of each matrix (Hugging Face's (out, in) layout). */
    @Param({"16384x2048", "2048x8192"})
    public String shape;

    /** The 16-bit weight bytes the working set holds at least (tests use less). */
    long workingSetHalfBytes = 1L << 30;

    private NDManager manager;
    private PtSymbolBlock program;
    private IValue x;
    private IValue weights;
    private IValue kind;
    private boolean quantized;
    private long bytesPerPass;

    private static List<String> kernelNames() {
        try {
            Param p =
                    HalfPrecisionKernelBenchmark.class
                            .getField("kernel")
                            .getAnnotation(Param.class);
            return List.of(p.value());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e); // the field is declared above
        }
    }

    /**
     * Builds the working set for the kernel and checks its product.
     *
     * @throws IOException if the program's resource cannot be read
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int k = KERNELS.indexOf(kernel);
        if (k < 0) {
            throw new IllegalArgumentException("unknown kernel " + kernel);
        }
        String[] rc = shape.split("x");
        long rows = Long.parseLong(rc[0]);
        long cols = Long.parseLong(rc[1]);
        manager = NDManager.newBaseManager(); // loads LibTorch
        JniUtils.setNumThreads(threads);
        String code;
        try (InputStream in =
                HalfPrecisionKernelBenchmark.class.getResourceAsStream("half_kernels.py")) {
            code = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        byte[] archive = TorchScriptArchive.build("half_kernels", "HalfKernels", code);
        program =
                JniUtils.loadModule(
                        (PtNDManager) manager, new ByteArrayInputStream(archive), true, false);
        int copies = (int) Math.ceil(workingSetHalfBytes / (rows * cols * 2.0));
        bytesPerPass = copies * rows * cols * (k == 0 ? 4 : 2);
        NDArray row = manager.randomNormal(new Shape(1, cols));
        x = IValue.from((PtNDArray) row);
        kind = IValue.from((long) k);
        quantized = k == QUANTIZED;
        NDArray reference = null;
        for (int c = 0; c < copies; c++) {
            try (NDManager scratch = manager.newSubManager()) {
                NDArray w = scratch.randomNormal(new Shape(rows, cols)).muli(0.02f);
                IValue prepared;
                try (IValue wv = IValue.from((PtNDArray) w)) {
                    prepared =
                            quantized
                                    ? IValueUtils.runMethod(program, "prepare_quantized", wv)
                                    : IValueUtils.runMethod(program, "prepare", wv, kind);
                } catch (EngineException e) {
                    // oneDNN's F16/BF16 kernels need a CPU with those instructions
                    throw new UnsupportedOperationException(
                            kernel
                                    + " does not run on this LibTorch build or CPU: "
                                    + e.getMessage().lines().findFirst().orElse(""),
                            e);
                }
                if (weights == null) {
                    weights = prepared;
                } else {
                    // extend() appends in place: the list object is the one weights holds
                    IValueUtils.runMethod(
                                    program,
                                    quantized ? "extend_quantized" : "extend",
                                    weights,
                                    prepared)
                            .close();
                    prepared.close();
                }
                if (c == copies - 1) {
                    reference = row.matMul(w.transpose()); // row's manager: outlives scratch
                }
            }
        }
        try (IValue y = multiply()) {
            NDArray got = y.toTensor((PtNDManager) manager);
            float err = got.sub(reference).abs().max().getFloat();
            float scale = reference.abs().max().getFloat();
            if (!(err <= 0.01f * scale)) {
                throw new IllegalStateException(
                        kernel
                                + " differs from float32 by "
                                + err
                                + " (largest entry "
                                + scale
                                + ")");
            }
        }
    }

    /** The weight bytes one pass reads. */
    long bytesPerPass() {
        return bytesPerPass;
    }

    private IValue multiply() {
        // PyTorch's thread count and graph-executor setting are per thread: set on the caller's
        JniUtils.setNumThreads(threads);
        JniUtils.setGraphExecutorOptimize(false);
        return IValueUtils.runMethod(program, quantized ? "mv_quantized" : "mv", x, weights, kind);
    }

    /**
     * One product of the activation row with every matrix of the working set.
     *
     * @param bytes receives the weight bytes read
     * @return the last product (consumed so the work is not eliminated)
     */
    @Benchmark
    public long pass(Bytes bytes) {
        try (IValue y = multiply()) {
            bytes.bytes += bytesPerPass;
            return y.getHandle();
        }
    }

    /** Weight bytes read, normalised by JMH to a rate (bytes/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        /** Bytes of weights read. */
        public long bytes;

        /** Clears the sum before each iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            bytes = 0;
        }
    }

    /** Frees the native memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (IValue v : new IValue[] {weights, x, kind}) {
            if (v != null) {
                v.close();
            }
        }
        if (manager != null) {
            manager.close();
        }
    }
}
