package org.layerskip.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * The child process of {@link TrainingCrashTest}: trains a tiny model from random initialisation on
 * synthetic tokens with a checkpoint every {@value #CHECKPOINT_EVERY} steps, resuming from the
 * newest checkpoint and appending per-step metrics to a JSONL log. It announces its progress on
 * stdout, one word per line, so the parent knows when to kill it:
 *
 * <ul>
 *   <li>{@code RESUMED <step>} once the model is built and the checkpoint (if any) restored;
 *   <li>{@code PAUSED <step>} with {@code --pause-in-checkpoint <step>}: the checkpoint of that
 *       step has its weights written but no optimizer state, no marker and no rename yet; the
 *       process then sleeps until it is killed;
 *   <li>{@code WRITE-FAILED <message>} and {@code ALIVE <step> <resumed step>} with {@code
 *       --expect-write-failure}: a checkpoint write failed with an {@link IOException} and the JVM
 *       and the trainer are still usable (exit code 3);
 *   <li>{@code DONE <step>} when all steps are complete.
 * </ul>
 *
 * <p>Arguments: {@code <checkpoint folder> <metrics.jsonl> [--pause-in-checkpoint STEP |
 * --expect-write-failure]}.
 */
public final class KillableTraining {

    /** Optimizer steps of the whole run. */
    static final int STEPS = 24;

    /** Checkpoint cadence. */
    static final int CHECKPOINT_EVERY = 2;

    private KillableTraining() {}

    /**
     * The run's hyperparameters: 2 layers, layer dropout and the rotational early-exit curriculum,
     * so resuming must restore every piece of state.
     *
     * @return the configuration
     */
    static LayerSkipTrainingConfig config() {
        return LayerSkipTrainingConfig.builder()
                .optMaxDropRate(0.2)
                .optTimeCurriculum(TimeCurriculum.EXP)
                .optEScale(0.5)
                .optCurriculum(LayerSkipTrainingConfig.CurriculumType.ROTATIONAL)
                .optLearningRate(1e-2f)
                .optWarmupSteps(3)
                .optSteps(STEPS)
                .optBatchSize(8)
                .optSeqLen(12)
                .optSeed(7)
                .optCheckpointEvery(CHECKPOINT_EVERY)
                .optKeepCheckpoints(2)
                .build(2);
    }

    /**
     * Builds the trainer of the run; the random initialisation is overwritten by {@link
     * LayerSkipTrainer#resume()} when a checkpoint exists.
     *
     * @param manager the owner of the weights
     * @param checkpoints the checkpoint folder
     * @return the trainer, not yet resumed
     * @throws IOException if the checkpoint folder cannot be created
     */
    static LayerSkipTrainer trainer(NDManager manager, Path checkpoints) throws IOException {
        return trainer(manager, checkpoints, step -> {});
    }

    /**
     * Builds the trainer of the run with a checkpoint folder that calls {@code afterWeights} in the
     * middle of every checkpoint write.
     *
     * @param manager the owner of the weights
     * @param checkpoints the checkpoint folder, or null for none
     * @param afterWeights called with the step once a checkpoint's weights are written
     * @return the trainer, not yet resumed
     * @throws IOException if the checkpoint folder cannot be created
     */
    static LayerSkipTrainer trainer(NDManager manager, Path checkpoints, LongConsumer afterWeights)
            throws IOException {
        LlamaModel model = TrainFixtures.trainable(manager, 2, 1, DataType.FLOAT32);
        LayerSkipTrainingConfig config = config();
        return new LayerSkipTrainer(
                model,
                config,
                TrainFixtures.progressions(96, 13, 3),
                checkpoints == null
                        ? null
                        : new TrainingCheckpoints(
                                checkpoints, config.keepCheckpoints(), afterWeights));
    }

    /**
     * Runs the child.
     *
     * @param args see the class comment
     * @throws Exception if training fails unexpectedly (exit code 1)
     */
    public static void main(String[] args) throws Exception {
        Path checkpoints = Path.of(args[0]);
        Path metrics = Path.of(args[1]);
        String mode = args.length > 2 ? args[2] : "";
        long pauseAt = mode.equals("--pause-in-checkpoint") ? Long.parseLong(args[3]) : -1;
        LongConsumer afterWeights =
                step -> {
                    if (step == pauseAt) {
                        announce("PAUSED " + step);
                        sleepUntilKilled();
                    }
                };
        try (NDManager manager = NDManager.newBaseManager();
                MetricsLog log = new MetricsLog(metrics)) {
            LayerSkipTrainer trainer = trainer(manager, checkpoints, afterWeights);
            announce("RESUMED " + trainer.resume().orElse(0L));
            try {
                trainer.train(STEPS, log);
            } catch (IOException e) {
                if (!mode.equals("--expect-write-failure")) {
                    throw e;
                }
                announce("WRITE-FAILED " + e.getMessage());
                // the JVM and the trainer are still usable after the failed write
                announce("ALIVE " + trainer.getStep() + " " + trainer.resume().orElse(-1L));
                System.exit(3);
            }
            announce("DONE " + trainer.getStep());
        }
    }

    private static void announce(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void sleepUntilKilled() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
