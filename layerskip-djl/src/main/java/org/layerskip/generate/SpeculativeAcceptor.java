package org.layerskip.generate;

import org.layerskip.engine.DraftRound;

/**
 * The acceptance rule of speculative decoding, as a pure function of one row's round (Leviathan et
 * al. 2023; LayerSkip §4.3). Greedy: accept the longest prefix of drafts that equals the verifier's
 * argmax and append the verifier's next token, so the output is the full model's. Sampling: accept
 * draft {@code i} with probability {@code min(1, p_i / q_i)}; at the first rejection emit a draw
 * from the residual {@code norm(max(0, p_i - q_i))}, or after accepting all {@code k} drafts a draw
 * from {@code p_k}, so the output has exactly the full model's distribution.
 */
public final class SpeculativeAcceptor {

    private SpeculativeAcceptor() {}

    /**
     * The outcome for one row.
     *
     * @param accepted how many drafts were accepted ({@code m})
     * @param next the token emitted after them (the verifier's, or the residual draw)
     */
    public record Acceptance(int accepted, long next) {}

    /**
     * Applies the rule to one row of an engine's round: greedy when the round carries no
     * probabilities, exact speculative sampling otherwise.
     *
     * @param round the engine's round
     * @param row the row's index in the round
     * @param uniforms sampling: the row's uniforms for the accept tests; ignored for greedy
     * @return the row's outcome
     */
    public static Acceptance accept(DraftRound round, int row, double[] uniforms) {
        long[] drafts = round.drafts()[row];
        if (round.target() == null) {
            return greedy(drafts, round.verified()[row]);
        }
        return sample(
                drafts,
                round.target()[row],
                round.proposal()[row],
                uniforms,
                round.verified()[row]);
    }

    /**
     * Greedy acceptance.
     *
     * @param drafts the row's {@code k} drafts
     * @param verified the verifier's {@code k + 1} argmax tokens (after {@code x, d_1..d_k})
     * @return the matching prefix length and the verifier's token after it
     */
    public static Acceptance greedy(long[] drafts, long[] verified) {
        check(drafts, verified);
        int m = 0;
        while (m < drafts.length && drafts[m] == verified[m]) {
            m++;
        }
        return new Acceptance(m, verified[m]);
    }

    /**
     * Exact speculative sampling.
     *
     * @param drafts the row's {@code k} drafts
     * @param target {@code p_i(d_{i+1})}: the full model's probability of each draft
     * @param proposal {@code q_i(d_{i+1})}: the draft distribution's probability of each draft
     *     (&gt; 0)
     * @param uniforms {@code k} uniforms in {@code [0, 1)} for the accept tests
     * @param samples {@code k + 1} pre-drawn tokens: residual draws at {@code i < k}, a draw from
     *     {@code p_k} at {@code k}
     * @return how many drafts were accepted and the token after them
     */
    public static Acceptance sample(
            long[] drafts, double[] target, double[] proposal, double[] uniforms, long[] samples) {
        check(drafts, samples);
        int k = drafts.length;
        if (target.length < k || proposal.length < k || uniforms.length < k) {
            throw new IllegalArgumentException(
                    "need p, q and a uniform for each of the " + k + " drafts");
        }
        for (int i = 0; i < k; i++) {
            if (!(uniforms[i] < Math.min(1.0, target[i] / proposal[i]))) {
                return new Acceptance(i, samples[i]);
            }
        }
        return new Acceptance(k, samples[k]);
    }

    private static void check(long[] drafts, long[] verified) {
        if (drafts == null || verified == null || verified.length < drafts.length + 1) {
            throw new IllegalArgumentException("need k drafts and k + 1 verified tokens");
        }
    }
}
