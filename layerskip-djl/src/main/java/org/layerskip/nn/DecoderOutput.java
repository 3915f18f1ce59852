package org.layerskip.nn;

import ai.djl.ndarray.NDArray;

/**
 * What one decoder pass returns: always the same type, whatever was asked for.
 *
 * @param logits the exit head's logits {@code (B, T', V)} where {@code T'} is T, or 1 when only the
 *     last position was asked for
 * @param hidden the hidden states after the last layer run, before the exit norm, {@code (B, T, D)}
 */
public record DecoderOutput(NDArray logits, NDArray hidden) {}
