package org.layerskip.train;

import java.nio.file.Path;

/**
 * Receives progress events from {@link LayerSkipTrainer}. Presentation (progress bars, charts)
 * stays outside the library: a CLI or example implements this interface, so the library needs no
 * terminal-UI dependency and the caller decides how (and whether) to show progress. Every method
 * has an empty default.
 */
public interface TrainingListener {

    /**
     * Called once before the first step of a {@link LayerSkipTrainer#train} call.
     *
     * @param startStep the first step that will run (after a resume, the checkpoint's step)
     * @param totalSteps T
     */
    default void onStart(long startStep, long totalSteps) {}

    /**
     * Called after every optimizer step.
     *
     * @param metrics the step's numbers
     */
    default void onStep(StepMetrics metrics) {}

    /**
     * Called after a checkpoint is complete.
     *
     * @param step completed steps
     * @param dir the checkpoint folder
     */
    default void onCheckpoint(long step, Path dir) {}

    /**
     * Called when a {@link LayerSkipTrainer#train} call returns.
     *
     * @param step completed steps
     */
    default void onEnd(long step) {}
}
