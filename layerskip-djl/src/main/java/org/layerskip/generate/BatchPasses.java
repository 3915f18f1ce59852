package org.layerskip.generate;

import org.layerskip.cache.DecoderState;
import org.layerskip.engine.DraftRequest;
import org.layerskip.engine.DraftRound;
import org.layerskip.engine.EngineSession;
import org.layerskip.generate.SpeculativeAcceptor.Acceptance;

import java.util.Arrays;
import java.util.List;

/**
 * The passes a {@link ContinuousBatcher} runs over a group of its sequences that share an engine
 * session (one sampling configuration) and an exit layer: a prefill chunk, an autoregressive or
 * early-exit step, a self-speculative round. Each mirrors, per row, what {@link Generator} does for
 * the same request alone ({@link BatchPrefill#run}, {@code Generator.autoregressive}, {@link
 * SelfSpeculativeDecoder}'s round): the same tokens fed, the same positions, the same uniforms
 * drawn from the row's own seeded stream, the same acceptance and rollback; only the other rows of
 * the pass differ, and rows never see each other (each attends over its own cache row only).
 */
final class BatchPasses {

    private BatchPasses() {}

    /**
     * Runs the next prompt chunk of every sequence in the group; sequences whose prompt ends in
     * this pass emit their first token.
     *
     * @param session the group's session
     * @param state the shared state (mutated)
     * @param group sequences, ascending by row, all with prompt left
     * @param exit layers to run (L, or E for early exit)
     * @param chunk the most prompt tokens per pass
     */
    static void prefill(
            EngineSession session,
            DecoderState state,
            List<BatchedSequence> group,
            int exit,
            int chunk) {
        int n = group.size();
        int t = 0;
        for (BatchedSequence s : group) {
            t = Math.max(t, Math.min(chunk, s.prompt.length - s.consumed));
        }
        int[] rows = new int[n];
        long[] flat = new long[n * t];
        int[] pickAt = new int[n];
        boolean[] endsHere = new boolean[n];
        double[] u = group.get(0).picker.greedy() ? null : new double[n];
        for (int i = 0; i < n; i++) {
            BatchedSequence s = group.get(i);
            long[] p = s.prompt;
            int left = p.length - s.consumed;
            rows[i] = s.row;
            for (int j = 0; j < t; j++) {
                int k = s.consumed + j;
                flat[i * t + j] = k < p.length ? p[k] : p[p.length - 1]; // filler, rolled back
            }
            endsHere[i] = left <= t;
            pickAt[i] = endsHere[i] ? left - 1 : 0;
            if (u != null && endsHere[i]) {
                u[i] = s.picker.uniform(0);
            }
        }
        long[] picked = session.forward(rows, flat, t, exit, pickAt, u);
        for (int i = 0; i < n; i++) {
            BatchedSequence s = group.get(i);
            s.consumed = Math.min(s.prompt.length, s.consumed + t);
            state.truncate(s.row, s.consumed);
            if (endsHere[i]) {
                s.firstTokenNanos = System.nanoTime();
                s.out.emit(0, picked[i], TokenKind.PLAIN);
            }
        }
    }

    /**
     * Runs one autoregressive (or early-exit) step: every sequence feeds its last token and emits
     * the next.
     *
     * @param session the group's session
     * @param group sequences, ascending by row, prefilled and active
     * @param exit E (L for autoregressive decoding)
     */
    static void step(EngineSession session, List<BatchedSequence> group, int exit) {
        int n = group.size();
        int[] rows = new int[n];
        long[] feed = new long[n];
        double[] u = group.get(0).picker.greedy() ? null : new double[n];
        for (int i = 0; i < n; i++) {
            BatchedSequence s = group.get(i);
            rows[i] = s.row;
            feed[i] = s.out.last(0);
            if (u != null) {
                u[i] = s.picker.uniform(0);
            }
        }
        long[] next = session.forward(rows, feed, 1, exit, new int[n], u);
        for (int i = 0; i < n; i++) {
            group.get(i).out.emit(0, next[i], TokenKind.PLAIN);
        }
    }

    /**
     * Runs one self-speculative round (draft, verify, accept, roll back) over the group; the
     * sequences share E, the EOS ids, the confidence threshold and the exit-state reuse flag, while
     * each keeps its own draft budget.
     *
     * @param session the group's session
     * @param state the shared state (mutated)
     * @param group sequences, ascending by row, prefilled and active
     */
    static void speculate(EngineSession session, DecoderState state, List<BatchedSequence> group) {
        int b = group.size();
        BatchedSequence first = group.get(0);
        int[] rows = new int[b];
        int[] n = new int[b];
        long[] last = new long[b];
        int[] budgets = new int[b];
        int maxBudget = 0;
        for (int i = 0; i < b; i++) {
            BatchedSequence s = group.get(i);
            rows[i] = s.row;
            n[i] = state.length(0, s.row);
            last[i] = s.out.last(0);
            budgets[i] = Math.min(s.numSpeculations, s.out.remaining(0) - 1);
            maxBudget = Math.max(maxBudget, budgets[i]);
        }
        boolean greedy = first.picker.greedy();
        double[][] draftU = greedy ? null : new double[b][];
        double[][] acceptU = greedy ? null : new double[b][];
        double[][] residualU = greedy ? null : new double[b][];
        if (!greedy) {
            // Each row draws exactly what the same request draws alone (lookAhead, lookAhead,
            // lookAhead + 1 uniforms per round), padded to the group's longest budget.
            int[] zero = {0};
            for (int i = 0; i < b; i++) {
                BatchedSequence s = group.get(i);
                // the order SelfSpeculativeDecoder.round draws them in: accept, draft, residual
                acceptU[i] = s.picker.uniforms(zero, s.lookAhead)[0];
                draftU[i] = pad(s.picker.uniforms(zero, s.lookAhead)[0], maxBudget);
                residualU[i] = pad(s.picker.uniforms(zero, s.lookAhead + 1)[0], maxBudget + 1);
            }
        }
        long t0 = System.nanoTime();
        DraftRound dr =
                session.speculate(
                        new DraftRequest(
                                rows,
                                last,
                                budgets,
                                first.exit,
                                first.eosIds,
                                first.options.confidenceThreshold(),
                                draftU,
                                residualU,
                                first.options.reuseExitStates()));
        long nanos = System.nanoTime() - t0;
        for (int i = 0; i < b; i++) {
            BatchedSequence s = group.get(i);
            long[] drafts = dr.drafts()[i];
            if (drafts.length > 0) {
                s.listener.onDraft(0, drafts);
            }
            Acceptance a =
                    greedy
                            ? SpeculativeAcceptor.greedy(drafts, dr.verified()[i])
                            : SpeculativeAcceptor.sample(
                                    drafts,
                                    dr.target()[i],
                                    dr.proposal()[i],
                                    acceptU[i],
                                    dr.verified()[i]);
            state.truncate(
                    s.row, n[i] + a.accepted() + 1); // slots n..n+m: x and the accepted drafts
            s.stats[0] += drafts.length;
            s.stats[1] += a.accepted();
            s.stats[2]++;
            s.stats[3] += nanos;
            for (int j = 0; j < a.accepted() && s.out.active(0); j++) {
                s.out.emit(0, drafts[j], TokenKind.ACCEPTED);
            }
            if (s.out.active(0)) {
                s.out.emit(0, a.next(), TokenKind.VERIFIED);
            }
        }
    }

    private static double[] pad(double[] u, int length) {
        return u.length >= length ? u : Arrays.copyOf(u, length);
    }
}
