package org.layerskip.examples;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.layerskip.train.StepMetrics;
import org.layerskip.train.TrainingListener;

/**
 * Shows LayerSkip training progress as a terminal progress bar (me.tongfei:progressbar) with the
 * loss, tokens/s and the ETA. Lives in the examples layer so the library stays free of terminal UI.
 */
public final class ProgressBarListener implements TrainingListener, AutoCloseable {

    private final String task;
    private ProgressBar bar;
    private double smoothedTps;

    /**
     * Creates the listener.
     *
     * @param task the bar's label
     */
    public ProgressBarListener(String task) {
        this.task = task;
    }

    /** {@inheritDoc} */
    @Override
    public void onStart(long startStep, long totalSteps) {
        bar =
                new ProgressBarBuilder()
                        .setTaskName(task)
                        .setInitialMax(totalSteps)
                        .setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(500)
                        .build();
        bar.stepTo(startStep);
    }

    /** {@inheritDoc} */
    @Override
    public void onStep(StepMetrics m) {
        smoothedTps =
                smoothedTps == 0
                        ? m.tokensPerSecond()
                        : 0.9 * smoothedTps + 0.1 * m.tokensPerSecond();
        bar.stepTo(m.step() + 1);
        bar.setExtraMessage(
                String.format(
                        " loss %.3f last %.3f | %.0f tok/s | ETA %s",
                        m.loss(), m.lastLayerLoss(), smoothedTps, formatSeconds(m.etaSeconds())));
    }

    /** {@inheritDoc} */
    @Override
    public void onEnd(long step) {
        close();
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return String.format("%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
    }
}
