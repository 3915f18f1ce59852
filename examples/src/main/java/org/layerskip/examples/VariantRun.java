package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LlamaModel;
import org.layerskip.train.LayerSkipTrainer;
import org.layerskip.train.LayerSkipTrainingConfig;
import org.layerskip.train.StepMetrics;
import org.layerskip.train.TokenSequences;
import org.layerskip.train.TrainingListener;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One variant of {@link LocalAttentionTraining} in training: its own model (initialised from the
 * shared seed), trainer and timing. Training advances in turns ({@link #advance}), so variants can
 * take turns and share whatever load the machine has; the throughput counts only this variant's own
 * turns.
 */
final class VariantRun implements AutoCloseable {

    private final String name;
    private final LlamaConfig config;
    private final NDManager manager;
    private final LlamaModel model;
    private final LayerSkipTrainer trainer;
    private final double initChecksum;
    private final List<Double> stepRates = new ArrayList<>();
    private final List<Double> losses = new ArrayList<>();
    private final List<Double> loads = new ArrayList<>();
    private double seconds;
    private long tokens;

    VariantRun(String name, LlamaConfig config, LayerSkipTrainingConfig cfg, long[][] windows)
            throws IOException {
        this.name = name;
        this.config = config;
        this.manager = NDManager.newBaseManager();
        this.model = LayerSkipTrainer.newModel(config, manager, cfg.seed());
        double sum = 0;
        for (var p : model.getParameters()) {
            sum += p.getValue().getArray().abs().sum().toType(DataType.FLOAT64, false).getDouble();
        }
        this.initChecksum = sum;
        this.trainer =
                new LayerSkipTrainer(model, cfg, TokenSequences.of(windows, cfg.seed()), null);
    }

    /**
     * Trains until {@code untilStep} steps are complete.
     *
     * @param untilStep the step to reach
     * @throws IOException never (no checkpoints)
     */
    void advance(long untilStep) throws IOException {
        loads.add(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        LayerSkipTrainer.Summary s =
                trainer.train(
                        untilStep,
                        new TrainingListener() {
                            @Override
                            public void onStep(StepMetrics m) {
                                stepRates.add(m.tokensPerSecond());
                                losses.add(m.loss());
                                tokens += m.tokens();
                                if (m.step() % 25 == 0 || m.step() + 1 == m.totalSteps()) {
                                    System.err.printf(
                                            Locale.ROOT,
                                            "%s step %d loss %.4f %.0f tok/s%n",
                                            name,
                                            m.step(),
                                            m.loss(),
                                            m.tokensPerSecond());
                                }
                            }
                        });
        seconds += s.seconds();
    }

    /**
     * Evaluates the trained model and summarises the run.
     *
     * @param heldout held-out windows
     * @param window the first position bucket's width
     * @param evalBatch rows per evaluation pass
     * @param settings the run's settings
     * @return the variant's result
     */
    LocalAttentionTraining.Variant finish(
            long[][] heldout, int window, int evalBatch, String settings) {
        double[] nll = PositionPerplexity.meanNll(model, heldout, evalBatch);
        double[] rates =
                stepRates.subList(Math.min(5, stepRates.size() - 1), stepRates.size()).stream()
                        .mapToDouble(Double::doubleValue)
                        .sorted()
                        .toArray();
        double meanLoad = loads.stream().mapToDouble(Double::doubleValue).average().orElse(-1);
        double maxLoad = loads.stream().mapToDouble(Double::doubleValue).max().orElse(-1);
        return new LocalAttentionTraining.Variant(
                name,
                config.layerAttention().get(0),
                initChecksum,
                losses.get(0),
                losses.get(losses.size() - 1),
                seconds > 0 ? tokens / seconds : 0,
                rates[rates.length / 2],
                seconds,
                new double[] {meanLoad, maxLoad},
                PositionPerplexity.buckets(nll, heldout.length, window),
                nll,
                settings);
    }

    @Override
    public void close() {
        manager.close();
    }
}
