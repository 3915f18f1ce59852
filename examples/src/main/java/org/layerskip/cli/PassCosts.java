package org.layerskip.cli;

import org.layerskip.cache.DecoderState;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.DraftRequest;
import org.layerskip.engine.EngineSession;
import org.layerskip.nn.LlamaModel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The cost model of self-speculative decoding, from one engine's measured costs: a full-depth
 * one-token step ({@code c_ar}, what autoregressive decoding pays per token) and a whole round that
 * drafts {@code k} tokens ({@code c_round(k)}: {@code k} draft passes through layers {@code 0..E-1}
 * and the shared head, then the verification pass through layers {@code E..L-1} over {@code k + 1}
 * stored exit states; one native call on the fused engine), for {@code k = 0..d}. A round that
 * emits {@code τ} tokens is worth {@code τ c_ar}, so:
 *
 * <ul>
 *   <li>the <b>bound</b> at the measured acceptance is {@code τ c_ar / c_round(k)} — what the
 *       rounds allow; a measured speedup well below it means overhead outside the rounds;
 *   <li>the <b>ceiling</b> is the same at full acceptance, {@code (k + 1) c_ar / c_round(k)} — what
 *       the engine's cost structure allows at all; a low ceiling means the passes are too dear (the
 *       engine limits), a high ceiling with a low bound means acceptance does (the model limits).
 * </ul>
 */
final class PassCosts {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    final double arMs;

    /** {@code roundMs[k]}: a round with {@code k} drafts, {@code k = 0..d}. */
    final double[] roundMs;

    private PassCosts(double arMs, double[] roundMs) {
        this.arMs = arMs;
        this.roundMs = roundMs;
    }

    /**
     * Measures the passes: the median over {@code reps} runs of each (after one unmeasured round),
     * after a prefill of {@code prompt}, with thread CPU time or wall time.
     *
     * @param model the model
     * @param engine the engine to measure
     * @param exit E
     * @param d the largest draft length
     * @param prompt the context the passes run after
     * @param reps runs per pass
     * @param cpu measure thread CPU time instead of wall time
     * @return the costs
     */
    static PassCosts measure(
            LlamaModel model,
            DecodeEngine engine,
            int exit,
            int d,
            long[] prompt,
            int reps,
            boolean cpu) {
        int layers = model.numLayers();
        int[] row = {0};
        long[] token = {prompt[prompt.length - 1]};
        double[] ar = new double[reps];
        double[][] round = new double[d + 1][reps];
        try (DecoderState state =
                        model.newState(
                                model.getEmbedding().getArray().getManager(),
                                1,
                                prompt.length + d + 2,
                                Math.max(prompt.length, d + 1));
                EngineSession s = engine.open(state, null, d)) {
            s.forward(row, prompt, prompt.length, layers, new int[] {prompt.length - 1}, null);
            int n = prompt.length;
            for (int r = 0; r <= reps; r++) { // the first round warms up, unmeasured
                long t0 = now(cpu);
                s.forward(row, token, 1, layers, new int[1], null);
                long t1 = now(cpu);
                state.truncate(n);
                if (r > 0) {
                    ar[r - 1] = (t1 - t0) / 1e6;
                }
                for (int k = 0; k <= d; k++) {
                    DraftRequest q =
                            new DraftRequest(
                                    row,
                                    token,
                                    new int[] {k},
                                    exit,
                                    new long[0],
                                    0,
                                    null,
                                    null,
                                    true);
                    long v0 = now(cpu);
                    s.speculate(q);
                    long v1 = now(cpu);
                    state.truncate(n);
                    if (r > 0) {
                        round[k][r - 1] = (v1 - v0) / 1e6;
                    }
                }
            }
        }
        double[] rm = new double[d + 1];
        for (int k = 0; k <= d; k++) {
            rm[k] = median(round[k]);
        }
        return new PassCosts(median(ar), rm);
    }

    /**
     * Returns the speedup over autoregressive decoding that rounds of this cost allow.
     *
     * @param draftsPerRound k, the mean drafts per round
     * @param tokensPerRound τ, the mean tokens emitted per round
     * @return the bound
     */
    double bound(double draftsPerRound, double tokensPerRound) {
        double c = roundCost(draftsPerRound);
        return c <= 0 ? 0 : tokensPerRound * arMs / c;
    }

    /**
     * Returns the speedup at full acceptance, {@code (k + 1) c_ar / c_round(k)}.
     *
     * @param draftsPerRound k
     * @return the ceiling
     */
    double ceiling(double draftsPerRound) {
        return bound(draftsPerRound, draftsPerRound + 1);
    }

    /** {@code c_round(k)}, linear between measured whole numbers of drafts. */
    double roundCost(double k) {
        double x = Math.max(0, Math.min(k, roundMs.length - 1));
        int lo = (int) Math.floor(x);
        int hi = Math.min(lo + 1, roundMs.length - 1);
        double f = x - lo;
        return roundMs[lo] * (1 - f) + roundMs[hi] * f;
    }

    private static long now(boolean cpu) {
        return cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? 0 : (n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
    }
}
