package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import ai.djl.util.Pair;

import org.layerskip.config.LlamaConfig;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Trains a {@link LlamaModel} with the LayerSkip recipe (Elhoushi et al. 2024, §4.1): per-sample
 * layer dropout with rate S(t)·D(l)·p_max ({@link LayerDropout}) and the early-exit loss over the
 * layers a curriculum enables ({@link EarlyExitLoss}), optimised by AdamW ({@link ResumableAdamW})
 * with linear warm-up and cosine decay (DJL trackers), global-norm gradient clipping and gradient
 * accumulation.
 *
 * <p>Works for pretraining from scratch ({@link #newModel}) and continued pretraining/finetuning of
 * a Hugging Face checkpoint ({@link #loadForTraining}). Checkpoints ({@link TrainingCheckpoints},
 * which writes and restores them) hold the weights in HF layout (F32), the optimizer state and the
 * step; every other piece of state (dropout masks, curriculum, data order, learning rate) is a pure
 * function of (seed, step), so {@link #resume()} continues with exactly the losses of an
 * uninterrupted run.
 *
 * <p>A step whose loss or gradient norm is not finite throws {@link IllegalStateException} without
 * updating, so the last checkpoint stays good. (The sporadic non-finite gradients once seen here
 * came from scalar operands DJL freed before the backward pass read them, fixed in {@link
 * org.layerskip.nn.RmsNorm#rmsNorm}; a step is deterministic, so recomputing it gives the same
 * values and there is no retry.)
 *
 * <p>Only one trainer may run a step at a time per JVM (DJL allows one gradient collector).
 */
public final class LayerSkipTrainer {

    private final LlamaModel model;
    private final LayerSkipTrainingConfig config;
    private final TokenSequences data;
    private final TrainingCheckpoints checkpoints;
    private final NDManager manager;
    private final ParameterStore ps;
    private final ResumableAdamW optimizer;
    private final LayerDropout dropout;
    private final EarlyExitCurriculum curriculum;
    private final EarlyExitLossWeights weights;
    private final List<Pair<String, Parameter>> parameters;
    private final Map<Integer, Set<String>> layerParameters = new HashMap<>();
    private long step;

    /**
     * Summary of one {@link #train} call.
     *
     * @param startStep the first step run
     * @param endStep completed steps at the end
     * @param losses the loss of each step run, in order
     * @param tokensPerSecond average throughput
     * @param seconds wall time
     */
    public record Summary(
            long startStep, long endStep, double[] losses, double tokensPerSecond, double seconds) {

        /**
         * Returns the last step's loss.
         *
         * @return the loss, NaN if no step ran
         */
        public double finalLoss() {
            return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
        }
    }

    /**
     * Creates a trainer; call {@link #resume()} to continue from the newest checkpoint.
     *
     * @param model a model whose parameters require gradients (see {@link #newModel})
     * @param config the hyperparameters
     * @param data training windows of {@code seqLen + 1} tokens
     * @param checkpointDir where checkpoints go, or null for none
     * @throws IOException if the checkpoint folder cannot be created
     */
    public LayerSkipTrainer(
            LlamaModel model,
            LayerSkipTrainingConfig config,
            TokenSequences data,
            Path checkpointDir)
            throws IOException {
        this(
                model,
                config,
                data,
                checkpointDir == null
                        ? null
                        : new TrainingCheckpoints(checkpointDir, config.keepCheckpoints()));
    }

    /**
     * Creates a trainer that writes its checkpoints into a given folder object (for instance one
     * that observes its writes).
     *
     * @param model a model whose parameters require gradients
     * @param config the hyperparameters
     * @param data training windows of {@code seqLen + 1} tokens
     * @param checkpoints where checkpoints go, or null for none
     */
    LayerSkipTrainer(
            LlamaModel model,
            LayerSkipTrainingConfig config,
            TokenSequences data,
            TrainingCheckpoints checkpoints) {
        if (data.length() != config.seqLen() + 1) {
            throw new IllegalArgumentException(
                    "windows hold "
                            + data.length()
                            + " tokens; seqLen "
                            + config.seqLen()
                            + " needs seqLen + 1");
        }
        this.model = model;
        this.config = config;
        this.data = data;
        this.checkpoints = checkpoints;
        this.manager = model.getEmbedding().getArray().getManager();
        this.ps = new ParameterStore(manager, false);
        int numLayers = model.numLayers();
        this.dropout =
                config.maxDropRate() == 0.0
                        ? null
                        : new LayerDropout(
                                LayerDropoutSchedule.builder()
                                        .setMaxRate(config.maxDropRate())
                                        .setNumLayers(numLayers)
                                        .optLayerScale(config.layerScale())
                                        .optTimeCurriculum(config.timeCurriculum())
                                        .optTotalSteps(config.steps())
                                        .build(),
                                config.seed());
        this.curriculum =
                switch (config.curriculum()) {
                    case ROTATIONAL ->
                            new RotationalCurriculum(
                                    numLayers, Math.min(config.dilation(), numLayers));
                    case GRADUAL -> new GradualCurriculum(numLayers, config.steps());
                    case ALL -> new AllLayersCurriculum(numLayers);
                    case NONE -> new LastLayerOnlyCurriculum(numLayers);
                };
        this.weights = EarlyExitLossWeights.of(numLayers, config.eScale());
        this.optimizer =
                new ResumableAdamW(
                        learningRateTracker(config),
                        config.beta1(),
                        config.beta2(),
                        config.epsilon(),
                        config.weightDecay());
        this.parameters = new ArrayList<>();
        model.getParameters().forEach(p -> parameters.add(new Pair<>(p.getKey(), p.getValue())));
        Map<String, String> idToName = new HashMap<>();
        for (Pair<String, Parameter> p : parameters) {
            idToName.put(p.getValue().getId(), p.getKey());
        }
        for (int l = 0; l < numLayers; l++) {
            Set<String> names = new HashSet<>();
            for (Pair<String, Parameter> p : model.getLayer(l).getParameters()) {
                names.add(idToName.get(p.getValue().getId()));
            }
            layerParameters.put(l, names);
        }
    }

    /**
     * Linear warm-up from 0 to the peak, then cosine decay to the final rate at step T.
     *
     * @param c the configuration
     * @return the tracker (a pure function of the step)
     */
    static Tracker learningRateTracker(LayerSkipTrainingConfig c) {
        Tracker cosine =
                CosineTracker.builder()
                        .setBaseValue(c.learningRate())
                        .optFinalValue(c.finalLearningRate())
                        .setMaxUpdates(Math.max(1, c.steps() - c.warmupSteps()))
                        .build();
        if (c.warmupSteps() == 0) {
            return cosine;
        }
        return WarmUpTracker.builder()
                .setMainTracker(cosine)
                .optWarmUpSteps(c.warmupSteps())
                .optWarmUpBeginValue(0f)
                .build();
    }

    /**
     * Builds a randomly initialised model for pretraining from scratch: weights ~ N(0, 0.02²),
     * norms 1, parameters trainable.
     *
     * @param config the architecture
     * @param manager the owner of the weights
     * @param seed the initialisation seed
     * @return the model
     */
    public static LlamaModel newModel(LlamaConfig config, NDManager manager, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        LlamaModel model = LlamaModel.builder().setConfig(config).build();
        model.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
        model.freezeParameters(false);
        return model;
    }

    /**
     * Loads a Hugging Face checkpoint (F32) for continued pretraining or finetuning and unfreezes
     * it.
     *
     * @param dir the HF model folder
     * @param manager the owner of the weights
     * @return the trainable model
     * @throws IOException if the checkpoint is unreadable
     */
    public static LlamaModel loadForTraining(Path dir, NDManager manager) throws IOException {
        LlamaModel model = HfLlama.load(dir, manager, DataType.FLOAT32);
        model.freezeParameters(false);
        return model;
    }

    /**
     * Returns the completed steps.
     *
     * @return the next step to run
     */
    public long getStep() {
        return step;
    }

    /**
     * Returns the model.
     *
     * @return the model being trained
     */
    public LlamaModel getModel() {
        return model;
    }

    /**
     * Returns the configuration.
     *
     * @return the hyperparameters
     */
    public LayerSkipTrainingConfig getConfig() {
        return config;
    }

    /**
     * Runs steps until {@code untilStep} (or T) and writes checkpoints every {@code
     * checkpointEvery} steps and at step T.
     *
     * @param untilStep stop when this many steps are complete (capped at T)
     * @param listener progress events, or null
     * @return the summary
     * @throws IOException if a checkpoint cannot be written ({@link #saveCheckpoint}); the steps
     *     run so far stay applied to the model and the trainer remains usable
     */
    public Summary train(long untilStep, TrainingListener listener) throws IOException {
        TrainingListener l = listener == null ? new TrainingListener() {} : listener;
        long end = Math.min(untilStep, config.steps());
        long start = step;
        l.onStart(start, config.steps());
        long begin = System.nanoTime();
        long tokens = 0;
        double[] losses = new double[(int) Math.max(0, end - start)];
        while (step < end) {
            long t0 = System.nanoTime();
            StepResult r = trainStep();
            double stepSeconds = (System.nanoTime() - t0) / 1e9;
            double elapsed = (System.nanoTime() - begin) / 1e9;
            long stepTokens = (long) config.batchSize() * config.seqLen() * config.accumulation();
            tokens += stepTokens;
            losses[(int) (r.step() - start)] = r.loss();
            double perStep = elapsed / (r.step() - start + 1);
            l.onStep(
                    new StepMetrics(
                            r.step(),
                            config.steps(),
                            r.loss(),
                            r.exitLosses()[r.exitLosses().length - 1],
                            r.exitLayers(),
                            r.exitLosses(),
                            r.learningRate(),
                            r.gradNorm(),
                            stepTokens,
                            stepTokens / stepSeconds,
                            r.compute().skippedFraction(),
                            elapsed,
                            perStep * (config.steps() - step)));
            boolean periodic = config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0;
            if (checkpoints != null && (periodic || step == config.steps())) {
                l.onCheckpoint(step, saveCheckpoint());
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        l.onEnd(step);
        return new Summary(start, step, losses, seconds > 0 ? tokens / seconds : 0, seconds);
    }

    /**
     * The outcome of one optimizer step.
     *
     * @param step the 0-based step that ran
     * @param loss the weighted early-exit loss, averaged over the micro-batches
     * @param exitLayers the 0-based layers whose exits were in the loss
     * @param exitLosses their cross-entropies
     * @param learningRate the learning rate used
     * @param gradNorm the global gradient norm before clipping
     * @param compute the layer rows scheduled and run
     */
    record StepResult(
            long step,
            double loss,
            int[] exitLayers,
            double[] exitLosses,
            double learningRate,
            double gradNorm,
            SkipForward.Compute compute) {}

    /**
     * Runs one optimizer step: {@code accumulation} micro-batches forward/backward, clipping,
     * AdamW.
     *
     * @return the step's numbers
     * @throws IllegalStateException if the loss or the gradients are not finite (nothing is
     *     updated)
     */
    StepResult trainStep() {
        long t = step;
        boolean[] enabled = curriculum.enabledLayers(t);
        double[] all = weights.normalized(enabled);
        int[] exits = curriculum.enabledLayerIndices(t);
        double[] w = new double[exits.length];
        for (int i = 0; i < exits.length; i++) {
            w[i] = all[exits[i]];
        }
        SkipForward.Compute compute = new SkipForward.Compute();
        double[] exitLosses = new double[exits.length];
        double loss = accumulate(t, enabled, w, compute, exitLosses);
        double norm = globalNorm(Set.of(), 0f);
        if (!Double.isFinite(norm) || !Double.isFinite(loss)) {
            zeroGradients();
            throw new IllegalStateException(
                    "non-finite loss ("
                            + loss
                            + ") or gradient norm ("
                            + norm
                            + ") at step "
                            + t
                            + "; no update was applied. If a fresh process resumed from the last"
                            + " checkpoint computes this step fine, the process state was"
                            + " corrupted; otherwise training diverged.");
        }
        Set<String> skip = new HashSet<>();
        for (int l = 0; l < model.numLayers(); l++) {
            if (compute.runOfLayer(l) == 0) {
                skip.addAll(layerParameters.get(l));
            }
        }
        double learningRate = optimizer.learningRate(t);
        globalNorm(skip, config.clipNorm());
        optimizer.step(t, parameters, skip);
        step = t + 1;
        return new StepResult(t, loss, exits, exitLosses, learningRate, norm, compute);
    }

    /** Runs the micro-batches of step t forward and backward; returns the mean loss. */
    private double accumulate(
            long t,
            boolean[] enabled,
            double[] w,
            SkipForward.Compute compute,
            double[] exitLosses) {
        double loss = 0;
        int acc = config.accumulation();
        for (int k = 0; k < acc; k++) {
            try (NDManager sub = manager.newSubManager()) {
                NDArray batch = data.batch(sub, t * acc + k, config.batchSize());
                NDArray input = batch.get(":, :-1");
                NDArray labels = batch.get(":, 1:");
                try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                    NDList hidden =
                            SkipForward.run(
                                    model, ps, input, dropout, t, k, enabled, true, compute);
                    EarlyExitLoss.Result r = EarlyExitLoss.compute(model, ps, hidden, w, labels);
                    // div by an array of sub, not a Number: DJL would wrap the Number in a
                    // tensor over a Java buffer and close it before backward reads it
                    gc.backward(acc == 1 ? r.total() : r.total().div(sub.create((float) acc)));
                    loss += r.total().getFloat() / acc;
                    float[] per = r.perExit().toFloatArray();
                    for (int i = 0; i < per.length; i++) {
                        exitLosses[i] += per[i] / acc;
                    }
                }
            }
        }
        return loss;
    }

    /** Sets every gradient to zero. */
    private void zeroGradients() {
        try (NDManager sub = manager.newSubManager()) {
            for (Pair<String, Parameter> p : parameters) {
                NDArray a = p.getValue().getArray();
                if (a.hasGradient()) {
                    NDArray g = a.getGradient();
                    g.attach(sub);
                    ResumableAdamW.zero(g);
                }
            }
        }
    }

    /**
     * Computes the global L2 norm of all gradients and, when it exceeds {@code maxNorm} &gt; 0,
     * scales every gradient in place by {@code maxNorm / norm} (torch's {@code clip_grad_norm_}).
     *
     * @param skip parameters to leave out
     * @param maxNorm the limit; 0 only measures
     * @return the norm before clipping
     */
    private double globalNorm(Set<String> skip, float maxNorm) {
        try (NDManager sub = manager.newSubManager()) {
            List<NDArray> grads = new ArrayList<>();
            NDList squares = new NDList();
            for (Pair<String, Parameter> p : parameters) {
                NDArray a = p.getValue().getArray();
                if (skip.contains(p.getKey()) || !a.hasGradient()) {
                    continue;
                }
                NDArray g = a.getGradient();
                g.attach(sub);
                grads.add(g);
                squares.add(g.square().sum().toType(DataType.FLOAT64, false));
            }
            if (grads.isEmpty()) {
                return 0.0;
            }
            double norm = Math.sqrt(NDArrays.stack(squares).sum().getDouble());
            if (maxNorm > 0 && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (NDArray g : grads) {
                    g.muli(scale);
                }
            }
            return norm;
        }
    }

    /**
     * Writes a checkpoint of the current step (weights F32 in HF layout, optimizer state, step and
     * configuration; {@link TrainingCheckpoints#save}).
     *
     * @return the checkpoint folder
     * @throws IOException if writing fails (full disk, unwritable folder); the previous checkpoint
     *     is then untouched and the one-line message names the checkpoint, the file and the cause
     */
    public Path saveCheckpoint() throws IOException {
        if (checkpoints == null) {
            throw new IllegalStateException("this trainer has no checkpoint folder");
        }
        return checkpoints.save(step, model, optimizer, config, curriculum);
    }

    /**
     * Restores the newest complete checkpoint, if any: weights, optimizer state and step. The
     * checkpoint is first verified as a whole against its manifest ({@link CheckpointManifest}); a
     * damaged one is an error, see {@link #resume(boolean)} to fall back to an older one.
     *
     * @return the restored step, or empty when there is no checkpoint
     * @throws org.layerskip.io.CheckpointException naming the file, if the newest checkpoint is
     *     damaged (a file missing, added, truncated or changed, an invalid {@code state.json} or
     *     optimizer state)
     * @throws IOException if the checkpoint is unreadable or was written with another configuration
     */
    public Optional<Long> resume() throws IOException {
        return resume(false).map(ResumePoint::step);
    }

    /**
     * Restores the newest complete checkpoint that verifies, if any ({@link
     * TrainingCheckpoints#resume}).
     *
     * @param fallBackToOlder whether a damaged newest checkpoint makes it try the older ones
     *     (newest first) instead of failing; what was skipped is in {@link ResumePoint#skipped()}
     * @return where it resumed, or empty when there is no checkpoint
     * @throws org.layerskip.io.CheckpointException naming the file, if the newest checkpoint (or,
     *     when falling back, every checkpoint) is damaged
     * @throws IOException if the checkpoint is unreadable or was written with another configuration
     */
    public Optional<ResumePoint> resume(boolean fallBackToOlder) throws IOException {
        if (checkpoints == null) {
            return Optional.empty();
        }
        Optional<ResumePoint> p =
                checkpoints.resume(fallBackToOlder, manager, parameters, optimizer, config);
        p.ifPresent(r -> step = r.step());
        return p;
    }
}
