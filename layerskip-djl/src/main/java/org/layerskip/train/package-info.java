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
 * <p>Every schedule here is a pure function of the (0-based, global) optimizer step, so resuming
 * from a checkpoint at step t reproduces exactly the rates, masks and weights of an uninterrupted
 * run; no object in this package has mutable state.
 */
package org.layerskip.train;
