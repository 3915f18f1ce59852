/**
 * The pure-Java half of the LayerSkip training recipe (Elhoushi et al., "LayerSkip: Enabling Early
 * Exit Inference and Self-Speculative Decoding", ACL 2024, arXiv:2404.16710, §4.1): schedules and
 * weights as plain numbers, no DJL {@code NDArray} code.
 *
 * <ul>
 *   <li>Layer dropout, eq. 1–4: {@link org.layerskip.train.LayerDropoutSchedule} computes p_{l,t} =
 *       S(t) · D(l) · p_max from a {@link org.layerskip.train.LayerScale} D(l) and a {@link
 *       org.layerskip.train.TimeCurriculum} S(t).
 *   <li>Early-exit loss, eq. 5–6: {@link org.layerskip.train.EarlyExitLossWeights} gives the
 *       per-layer scale e(l) and the normalised weights ẽ(t,l) over the layers a {@link
 *       org.layerskip.train.EarlyExitCurriculum} C(t,l) enables at step t (rotational, gradual, all
 *       layers, last layer only).
 *   <li>{@link org.layerskip.train.LayerSelection} parses numpy-slice layer specs such as {@code
 *       "0::4"}, as in torchtune's recipe configs.
 * </ul>
 *
 * <p>The NDArray half (DJL, PyTorch engine):
 *
 * <ul>
 *   <li>{@link org.layerskip.train.LayerDropout}: per-sample layer dropout that runs a layer on the
 *       kept rows only; {@link org.layerskip.train.SkipForward} the training forward pass built on
 *       it, counting skipped layer-rows.
 *   <li>{@link org.layerskip.train.EarlyExitLoss}: eq. 5 with all enabled exits through the shared
 *       head in one batched call.
 *   <li>{@link org.layerskip.train.LayerSkipTrainer} with {@link
 *       org.layerskip.train.LayerSkipTrainingConfig}: from-scratch or continued training, {@link
 *       org.layerskip.train.ResumableAdamW}, warm-up + cosine, global-norm clipping, gradient
 *       accumulation, crash-safe {@link org.layerskip.train.TrainingCheckpoints} with exact resume,
 *       {@link org.layerskip.train.TrainingListener} callbacks and a JSONL {@link
 *       org.layerskip.train.MetricsLog}.
 *   <li>{@link org.layerskip.train.TokenSequences}: tokenized, packed, seeded-shuffle windows.
 *   <li>{@link org.layerskip.train.LayerEvaluator}: perplexity and accuracy at every exit.
 * </ul>
 *
 * <p>Every schedule here is a pure function of the (0-based, global) optimizer step, so resuming
 * from a checkpoint at step t reproduces exactly the rates, masks and weights of an uninterrupted
 * run; no schedule object has mutable state.
 */
package org.layerskip.train;
