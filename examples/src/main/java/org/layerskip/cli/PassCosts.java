package org.layerskip.cli;

import org.layerskip.cache.DecoderState;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.EngineSession;
import org.layerskip.nn.LlamaModel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The cost model of self-speculative decoding, from passes measured in isolation on one engine: a
 * full-depth one-token step ({@code c_ar}), a draft pass ({@code c_d}: layers {@code 0..E-1} and
 * the head, one token) and verification passes ({@code c_v(t)}: layers {@code E..L-1} and the head
 * over {@code t} stored exit states). A round that drafts {@code k} tokens costs about {@code (k +
 * 1) c_d + c_v(k + 1)} (the last draft's lower pass is counted as one more draft pass, head
 * included, so the bound errs low by one head per round) and emits {@code τ} tokens, so the best
 * speedup those passes allow is {@code τ c_ar / ((k + 1) c_d + c_v(k + 1))}. A measured speedup near
 * the bound means the model's acceptance limits it; far below means per-round overhead does.
 */
final class PassCosts {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    final double arMs;
    final double draftMs;
    /** {@code verifyMs[t]}: verification over {@code t} positions, {@code t = 1..d+1}. */
    final double[] verifyMs;

    private PassCosts(double arMs, double draftMs, double[] verifyMs) {
        this.arMs = arMs;
        this.draftMs = draftMs;
        this.verifyMs = verifyMs;
    }

    /**
     * Measures the passes: the median over {@code reps} runs of each, after a prefill of {@code
     * prompt}, with thread CPU time or wall time.
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
            LlamaModel model, DecodeEngine engine, int exit, int d, long[] prompt, int reps, boolean cpu) {
        int layers = model.numLayers();
        int[] row = {0};
        long token = prompt[prompt.length - 1];
        double[] ar = new double[reps];
        double[] draft = new double[reps];
        double[][] verify = new double[d + 2][reps];
        try (DecoderState state = model.newState(
                        model.getEmbedding().getArray().getManager(), 1, prompt.length + d + 2,
                        Math.max(prompt.length, d + 1));
                EngineSession s = engine.open(state, null, d)) {
            s.forward(row, prompt, prompt.length, layers, new int[] {prompt.length - 1}, null);
            int n = prompt.length;
            for (int r = 0; r < reps + 1; r++) { // the first round warms up, unmeasured
                long t0 = now(cpu);
                s.forward(row, new long[] {token}, 1, layers, new int[1], null);
                long t1 = now(cpu);
                state.truncate(n);
                s.forwardEarly(row, new long[] {token}, exit, null);
                long t2 = now(cpu);
                state.truncate(n);
                if (r > 0) {
                    ar[r - 1] = (t1 - t0) / 1e6;
                    draft[r - 1] = (t2 - t1) / 1e6;
                }
                for (int t = 1; t <= d + 1; t++) {
                    for (int j = 0; j < t; j++) {
                        s.forwardEarly(row, new long[] {token}, exit, null);
                    }
                    long v0 = now(cpu);
                    s.forwardRemainder(row, t, exit);
                    long v1 = now(cpu);
                    state.truncate(n);
                    if (r > 0) {
                        verify[t][r - 1] = (v1 - v0) / 1e6;
                    }
                }
            }
        }
        double[] v = new double[d + 2];
        for (int t = 1; t <= d + 1; t++) {
            v[t] = median(verify[t]);
        }
        return new PassCosts(median(ar), median(draft), v);
    }

    /**
     * Returns the speedup over autoregressive decoding that these passes allow.
     *
     * @param draftsPerRound k, the mean drafts per round
     * @param tokensPerRound τ, the mean tokens emitted per round
     * @return the bound
     */
    double bound(double draftsPerRound, double tokensPerRound) {
        double k = Math.max(0, Math.min(draftsPerRound, verifyMs.length - 2));
        int lo = (int) Math.floor(k);
        int hi = Math.min(lo + 1, verifyMs.length - 2);
        double frac = k - lo;
        double v = verifyMs[lo + 1] * (1 - frac) + verifyMs[hi + 1] * frac;
        double round = (k + 1) * draftMs + v;
        return round <= 0 ? 0 : tokensPerRound * arMs / round;
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
