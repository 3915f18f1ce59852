package org.layerskip.generate;

import org.layerskip.cache.DecoderState;
import org.layerskip.engine.EngineSession;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;

/**
 * Processes the prompts of a batch: in one pass (prompts right-padded to a common length), or for
 * models with sliding-window/chunked layers in passes of at most {@code chunk} tokens, so that ring
 * caches stay {@code window + chunk} slots. Each pass covers the rows that still have prompt left;
 * the token is chosen at each row's own last prompt token; a row whose prompt ends inside a pass
 * writes a filler token at its later positions and is rolled back after the pass, so fillers are
 * overwritten by the first generated tokens.
 */
final class BatchPrefill {

    private BatchPrefill() {}

    /**
     * Returns the prefill chunk for a model: the smallest local-attention window, or unlimited.
     *
     * @param model the model
     * @param maxPrompt the longest prompt
     * @return tokens per prefill pass
     */
    static int chunk(LlamaModel model, int maxPrompt) {
        int chunk = maxPrompt;
        for (var a : model.getConfig().layerAttention()) {
            if (a.isLocal()) {
                chunk = Math.min(chunk, a.size());
            }
        }
        return Math.max(1, chunk);
    }

    /**
     * Runs the prompts and picks each row's first token.
     *
     * @param session the request's engine session
     * @param state the fresh state (mutated)
     * @param prompts prompt ids per row
     * @param exit layers to run (E, or L for the full model)
     * @param picker supplies sampling uniforms
     * @param chunk the most tokens per pass
     * @param lease the request's hold on the model (checked between passes)
     * @return the first generated token of each row
     */
    static long[] run(
            EngineSession session,
            DecoderState state,
            long[][] prompts,
            int exit,
            Picker picker,
            int chunk,
            ModelGuard.Lease lease) {
        int b = prompts.length;
        int[] consumed = new int[b];
        long[] first = new long[b];
        while (true) {
            lease.check();
            int n = 0;
            int remaining = 0;
            for (int r = 0; r < b; r++) {
                int left = prompts[r].length - consumed[r];
                if (left > 0) {
                    n++;
                    remaining = Math.max(remaining, left);
                }
            }
            if (n == 0) {
                return first;
            }
            int t = Math.min(chunk, remaining);
            int[] rows = new int[n];
            long[] flat = new long[n * t];
            int[] pickAt = new int[n];
            boolean[] endsHere = new boolean[n];
            double[] u = picker.greedy() ? null : new double[n];
            int i = 0;
            for (int r = 0; r < b; r++) {
                long[] p = prompts[r];
                int left = p.length - consumed[r];
                if (left <= 0) {
                    continue;
                }
                rows[i] = r;
                for (int j = 0; j < t; j++) {
                    int k = consumed[r] + j;
                    flat[i * t + j] = k < p.length ? p[k] : p[p.length - 1]; // filler
                }
                endsHere[i] = left <= t;
                pickAt[i] = endsHere[i] ? left - 1 : 0;
                if (u != null && endsHere[i]) {
                    u[i] = picker.uniform(r);
                }
                i++;
            }
            long[] picked = session.forward(rows, flat, t, exit, pickAt, u);
            for (i = 0; i < n; i++) {
                int r = rows[i];
                if (endsHere[i]) {
                    first[r] = picked[i];
                }
                consumed[r] = Math.min(prompts[r].length, consumed[r] + t);
                state.truncate(r, consumed[r]);
            }
        }
    }
}
