package org.layerskip.train;

import static org.layerskip.train.TrainingCheckpointsTest.temporaries;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

public class LayerSkipTrainerTest {

    private static final int LAYERS = 4;

    private static LayerSkipTrainingConfig config(int steps) {
        return LayerSkipTrainingConfig.builder()
                .optMaxDropRate(0.2)
                .optTimeCurriculum(TimeCurriculum.EXP)
                .optEScale(0.5)
                .optCurriculum(LayerSkipTrainingConfig.CurriculumType.ROTATIONAL)
                .optDilation(2)
                .optLearningRate(1e-2f)
                .optWarmupSteps(3)
                .optSteps(steps)
                .optBatchSize(8)
                .optSeqLen(12)
                .optAccumulation(2)
                .optSeed(5)
                .optCheckpointEvery(5)
                .build(LAYERS);
    }

    @Test
    public void thirtyStepsLowerTheLoss() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, LAYERS, 1, DataType.FLOAT32);
            TokenSequences data = TrainFixtures.progressions(256, 13, 3);
            LayerSkipTrainingConfig cfg = config(30);
            LayerSkipTrainer trainer = new LayerSkipTrainer(model, cfg, data, (Path) null);
            List<StepMetrics> seen = new ArrayList<>();
            LayerSkipTrainer.Summary s =
                    trainer.train(
                            30,
                            new TrainingListener() {
                                @Override
                                public void onStep(StepMetrics m) {
                                    seen.add(m);
                                }
                            });
            Assert.assertEquals(s.endStep(), 30);
            Assert.assertEquals(seen.size(), 30);
            double first = (s.losses()[0] + s.losses()[1]) / 2;
            double last = (s.losses()[28] + s.losses()[29]) / 2;
            Assert.assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
            Assert.assertTrue(seen.get(29).tokensPerSecond() > 0);
            Assert.assertEquals(seen.get(0).learningRate(), 0.0, 1e-9); // warm-up from 0
            // the rotating exits: R = 2 over 4 layers plus the last one
            Assert.assertEquals(seen.get(0).exitLayers(), new int[] {0, 2, 3});
            Assert.assertEquals(seen.get(1).exitLayers(), new int[] {1, 3});
        }
    }

    private static double[] run(Path dir, int untilStep, boolean resume, long initSeed)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = TrainFixtures.trainable(manager, LAYERS, initSeed, DataType.FLOAT32);
            TokenSequences data = TrainFixtures.progressions(64, 13, 3);
            LayerSkipTrainer trainer = new LayerSkipTrainer(model, config(20), data, dir);
            if (resume) {
                Assert.assertEquals(trainer.resume(), Optional.of(10L));
            }
            return trainer.train(untilStep, null).losses();
        }
    }

    @Test
    public void resumeAfterInterruptionGivesIdenticalLosses() throws IOException {
        Path root = Files.createTempDirectory("ls-resume");
        double[] full = run(root.resolve("a"), 20, false, 1);
        // interrupted run: checkpoints at 5 and 10, "killed" after step 12 before the next one
        Path b = root.resolve("b");
        double[] head = run(b, 12, false, 1);
        for (int i = 0; i < 12; i++) {
            Assert.assertEquals(head[i], full[i], 0.0, "step " + i);
        }
        // resume into a differently initialised model: the checkpoint must restore everything
        double[] tail = run(b, 20, true, 99);
        Assert.assertEquals(tail.length, 10);
        for (int i = 0; i < 10; i++) {
            Assert.assertEquals(tail[i], full[10 + i], 0.0, "step " + (10 + i));
        }
        // the final checkpoint is a loadable HF folder
        TrainingCheckpoints ck = new TrainingCheckpoints(b, 2);
        Path last = ck.latest().orElseThrow();
        Assert.assertTrue(last.endsWith("step-000000020"), last.toString());
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel m = HfLlama.load(last.resolve("model"), manager, DataType.FLOAT32);
            Assert.assertEquals(m.numLayers(), LAYERS);
        }
        Assert.assertEquals(ck.complete().size(), 2); // keep = 2
    }

    /**
     * Scalars inside the differentiated graph must stay alive until the backward pass: DJL wraps a
     * {@code Number} operand in a tensor over a direct Java buffer and closes it at once, so a
     * garbage collection between forward and backward used to free memory autograd still read
     * (sporadic NaN or slightly wrong gradients, seen as runs that differ in one JVM). Training
     * while another thread collects garbage continuously must reproduce a quiet run bit for bit.
     */
    @Test
    public void lossesDoNotDependOnGarbageCollection() throws IOException {
        double[] quiet = run(null, 4, false, 1);
        java.util.concurrent.atomic.AtomicBoolean stop =
                new java.util.concurrent.atomic.AtomicBoolean();
        Thread collector =
                new Thread(
                        () -> {
                            while (!stop.get()) {
                                System.gc();
                                try {
                                    Thread.sleep(1);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        });
        collector.setDaemon(true);
        collector.start();
        try {
            double[] collected = run(null, 4, false, 1);
            Assert.assertEquals(collected, quiet, 0.0);
        } finally {
            stop.set(true);
        }
    }

    /**
     * PyTorch's grad mode is per thread and on by default; DJL switches it off only on the thread
     * that loads the engine. Training (the in-place optimizer update) and resuming (copying into
     * the parameters) must work on any other thread too.
     */
    @Test
    public void trainsAndResumesOnAThreadThatDidNotLoadTheEngine() throws Exception {
        Path dir = Files.createTempDirectory("ls-thread");
        try (NDManager warmUp = NDManager.newBaseManager()) {
            warmUp.create(1f); // the engine is loaded by now, on some thread
        }
        java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread worker =
                new Thread(
                        () -> {
                            try {
                                run(dir, 10, false, 1);
                                Assert.assertEquals(run(dir, 12, true, 2).length, 2);
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        });
        worker.start();
        worker.join();
        if (failure.get() != null) {
            throw new AssertionError("training on a fresh thread failed", failure.get());
        }
    }

    @Test
    public void continuedTrainingFromHfCheckpoint() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path dir = org.layerskip.io.Fixtures.dir("tiny-f32"); // V = 256, L = 4
            LlamaModel model = LayerSkipTrainer.loadForTraining(dir, manager);
            float before =
                    model.getLayer(2)
                            .getMlp()
                            .getParameters()
                            .get(0)
                            .getValue()
                            .getArray()
                            .sum()
                            .getFloat();
            LayerSkipTrainingConfig cfg =
                    LayerSkipTrainingConfig.builder()
                            .optMaxDropRate(0.1)
                            .optTimeCurriculum(TimeCurriculum.CONSTANT) // continual: S(t) = 1
                            .optCurriculum(LayerSkipTrainingConfig.CurriculumType.GRADUAL)
                            .optLearningRate(1e-3f)
                            .optSteps(3)
                            .optBatchSize(4)
                            .optSeqLen(8)
                            .build(4);
            long[][] w = new long[16][9];
            for (int i = 0; i < w.length; i++) {
                for (int j = 0; j < 9; j++) {
                    w[i][j] = (3 + 7 * i + 5 * j) % 256;
                }
            }
            LayerSkipTrainer.Summary s =
                    new LayerSkipTrainer(model, cfg, TokenSequences.of(w, 1), (Path) null)
                            .train(3, null);
            Assert.assertEquals(s.losses().length, 3);
            Assert.assertTrue(Double.isFinite(s.finalLoss()));
            float after =
                    model.getLayer(2)
                            .getMlp()
                            .getParameters()
                            .get(0)
                            .getValue()
                            .getArray()
                            .sum()
                            .getFloat();
            Assert.assertNotEquals(after, before);
        }
    }

    @Test
    public void halfWrittenCheckpointDoesNotReplaceTheLastGoodOne() throws IOException {
        Path root = Files.createTempDirectory("ls-ckpt");
        TrainingCheckpoints ck = new TrainingCheckpoints(root, 2);
        ck.write(5, dir -> Files.writeString(dir.resolve("weights"), "good"));
        // a writer that dies midway
        try {
            ck.write(
                    10,
                    dir -> {
                        Files.writeString(dir.resolve("weights"), "partial");
                        throw new IOException("simulated crash");
                    });
            Assert.fail("expected the write to fail");
        } catch (IOException expected) {
            Assert.assertEquals(
                    expected.getMessage(),
                    "cannot write checkpoint "
                            + root.resolve("step-000000010")
                            + ": simulated crash (earlier checkpoints are unchanged)");
        }
        Assert.assertEquals(temporaries(root), List.of()); // cleaned up
        // what a killed process leaves: a temporary folder, and a step folder without marker
        Path tmp = Files.createDirectories(root.resolve(".tmp-step-000000015-dead"));
        Files.writeString(tmp.resolve("weights"), "torn");
        Path torn = Files.createDirectories(root.resolve("step-000000015"));
        Files.writeString(torn.resolve("weights"), "torn");
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000005"));
        Assert.assertEquals(Files.readString(ck.latest().orElseThrow().resolve("weights")), "good");
        // a stale "latest" pointer naming a torn folder also falls back
        Files.writeString(root.resolve("latest"), "step-000000015");
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000005"));
        // the next good write cleans up temporaries and becomes latest
        ck.write(20, dir -> Files.writeString(dir.resolve("weights"), "newer"));
        Assert.assertFalse(Files.exists(tmp));
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000020"));
    }
}
