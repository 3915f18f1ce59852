package org.layerskip.bench;

import ai.djl.ndarray.NDManager;

import org.layerskip.config.LlamaConfig;
import org.layerskip.config.LlamaPreset;
import org.layerskip.nn.LlamaModel;
import org.layerskip.train.LayerSkipTrainer;
import org.layerskip.train.LayerSkipTrainingConfig;
import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;
import org.layerskip.train.TimeCurriculum;
import org.layerskip.train.TokenSequences;
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

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one optimizer step (forward, backward, AdamW) of the bundled models' architecture (8
 * layers, dim 128, 4/2 heads, vocabulary 2048; batch 8 × 128 tokens) under three recipes:
 *
 * <ul>
 *   <li>{@code baseline}: no layer dropout, last-layer loss only;
 *   <li>{@code dropout}: layer dropout with p_max = 0.2 at full strength (S(t) = 1, exponential
 *       depth scale), last-layer loss only — the "with layer dropout" case;
 *   <li>{@code layerskip}: the same dropout plus the rotational early-exit loss (R = 2, e_scale
 *       0.5), the recipe the bundled {@code tiny-layerskip} model was trained with.
 * </ul>
 *
 * <p>Dropped rows skip the layer's compute, so the {@code dropout} step should be cheaper than the
 * {@code baseline} step by about the mean drop rate times the layers' share of the step. Data is
 * random token ids: the cost does not depend on the values.
 *
 * <p>Besides wall time, the {@link CpuTime} counters report the benchmark thread's CPU time per
 * step. Run with one PyTorch thread ({@code -Dai.djl.pytorch.num_threads=1}): LibTorch then runs
 * every kernel, backward included, on the calling thread, so CPU time is the step's compute and
 * stays meaningful on a machine shared with other jobs, where wall time is not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx3g"})
public class TrainingStepBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Which training recipe a step follows. */
    @Param({"baseline", "dropout", "layerskip"})
    public String recipe;

    /** Rows per step. */
    @Param({"8"})
    public int batch;

    /** Tokens per row. */
    @Param({"128"})
    public int seqLen;

    private NDManager manager;
    private LayerSkipTrainer trainer;

    /**
     * Builds the model and trainer.
     *
     * @throws IOException never (no checkpoint folder)
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int layers = 8;
        // the bundled models' architecture, with a tied head
        LlamaConfig config =
                LlamaPreset.TINY_LAYERSKIP
                        .builder()
                        .setNumLayers(layers)
                        .optTieWordEmbeddings(true)
                        .optBosTokenId(1)
                        .optEosTokenIds(List.of(2))
                        .build();
        LayerSkipTrainingConfig.Builder b =
                LayerSkipTrainingConfig.builder()
                        .optMaxDropRate(0.2)
                        .optTimeCurriculum(TimeCurriculum.CONSTANT)
                        .optEScale(0.5)
                        .optCurriculum(CurriculumType.ROTATIONAL)
                        .optDilation(2)
                        .optWarmupSteps(0)
                        .optSteps(Integer.MAX_VALUE)
                        .optBatchSize(batch)
                        .optSeqLen(seqLen)
                        .optCheckpointEvery(0)
                        .optSeed(1234);
        LayerSkipTrainingConfig cfg =
                switch (recipe) {
                    case "baseline" -> b.build(layers).asBaseline();
                    case "dropout" -> b.optCurriculum(CurriculumType.NONE).build(layers);
                    case "layerskip" -> b.build(layers);
                    default -> throw new IllegalArgumentException("unknown recipe " + recipe);
                };
        Random random = new Random(7);
        long[][] windows = new long[256][seqLen + 1];
        for (long[] w : windows) {
            for (int i = 0; i < w.length; i++) {
                w[i] = random.nextInt(config.vocabSize());
            }
        }
        manager = NDManager.newBaseManager();
        LlamaModel model = LayerSkipTrainer.newModel(config, manager, cfg.seed());
        trainer = new LayerSkipTrainer(model, cfg, TokenSequences.of(windows, cfg.seed()), null);
    }

    /**
     * Runs one optimizer step.
     *
     * @param cpu receives the thread CPU time of the step
     * @return the completed step count (consumed so the work is not eliminated)
     * @throws IOException never (no checkpoint folder)
     */
    @Benchmark
    public long step(CpuTime cpu) throws IOException {
        long t0 = THREADS.getCurrentThreadCpuTime();
        trainer.train(trainer.getStep() + 1, null);
        cpu.cpuNanos += THREADS.getCurrentThreadCpuTime() - t0;
        cpu.steps++;
        return trainer.getStep();
    }

    /**
     * Per-iteration sums of the benchmark thread's CPU time and of the steps run; their ratio is
     * the CPU time of one step.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CpuTime {
        /** Thread CPU nanoseconds spent in steps during the iteration. */
        public long cpuNanos;

        /** Steps run during the iteration. */
        public long steps;

        /** Clears the sums before each iteration. */
        @Setup(Level.Iteration)
        public void clear() {
            cpuNanos = 0;
            steps = 0;
        }
    }

    /** Frees the native memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }
}
