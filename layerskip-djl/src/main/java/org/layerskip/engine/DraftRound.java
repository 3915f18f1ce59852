package org.layerskip.engine;

/**
 * What one self-speculative round produced, per row of the round.
 *
 * @param steps how many draft passes ran (the longest row's draft count)
 * @param drafts per row, its drafted tokens ({@code k_r <= steps})
 * @param verified per row, {@code k_r + 1} tokens: greedy — the full model's argmax after each of
 *     {@code x, d_1..d_k}; sampling — at position {@code i < k_r} a draw from the residual {@code
 *     norm(max(0, p_i - q_i))}, at {@code k_r} a draw from {@code p_k}
 * @param target sampling: per row {@code p_i(d_{i+1})}, the full model's probability of each draft;
 *     null for greedy
 * @param proposal sampling: per row {@code q_i(d_{i+1})}, the draft distribution's probability of
 *     each draft; null for greedy
 */
public record DraftRound(
        int steps, long[][] drafts, long[][] verified, double[][] target, double[][] proposal) {}
