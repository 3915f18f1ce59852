package org.layerskip.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.nn.LlamaModel;

import java.util.ArrayList;
import java.util.List;

/**
 * LayerSkip self-speculative decoding (Elhoushi et al. 2024, §4.3) with one KV cache and the exit-layer
 * hidden states ("KVQ cache").
 *
 * <p>One round, with {@code n} slots committed in every layer and the last output token {@code x} at
 * slot {@code n} not yet processed:
 *
 * <ol>
 *   <li><b>Draft</b>: feed {@code x, d1, d2, ...} one at a time through layers {@code 0..E-1} and the
 *       shared exit head, writing their keys/values into the shared cache and their exit-layer hidden
 *       states into the state, to propose up to {@code d} tokens.
 *   <li><b>Verify</b>: the last draft token runs through layers {@code 0..E-1} (the only token that
 *       still needs them), then layers {@code E..L-1} run once over all {@code k + 1} stored exit
 *       states starting at slot {@code n}, giving the full model's prediction after each token.
 *   <li><b>Accept</b> the matching prefix plus the verifier's next token (greedy), or apply exact
 *       speculative sampling (accept with probability {@code min(1, p/q)}, resample from {@code
 *       norm(max(0, p - q))}).
 *   <li><b>Roll back</b> by truncating the state to the accepted slots: no copy, no second cache.
 * </ol>
 *
 * Greedy output is token-for-token the full model's; sampled output has the full model's distribution.
 */
final class SelfSpeculativeDecoder {

    private final LlamaModel model;
    private final NDManager request;
    private final GenerationOptions options;
    private final int exit;
    private final int numSpeculations;
    private final List<Long> eos;
    private final TokenListener listener;
    private final int layers;

    SelfSpeculativeDecoder(
            LlamaModel model,
            NDManager request,
            GenerationOptions options,
            int exit,
            int numSpeculations,
            List<Long> eos,
            TokenListener listener) {
        this.model = model;
        this.request = request;
        this.options = options;
        this.exit = exit;
        this.numSpeculations = numSpeculations;
        this.eos = eos;
        this.listener = listener;
        this.layers = model.numLayers();
    }

    List<GenerationResult> generate(long[][] prompts) {
        int b = prompts.length;
        int maxNew = options.maxNewTokens();
        int maxPrompt = 0;
        for (long[] p : prompts) {
            maxPrompt = Math.max(maxPrompt, p.length);
        }
        Picker picker = new Picker(options, b);
        ParameterStore ps = new ParameterStore(request, false);
        long start = System.nanoTime();
        List<List<Long>> out = new ArrayList<>();
        FinishReason[] reason = new FinishReason[b];
        boolean[] active = new boolean[b];
        long[] drafted = new long[b];
        long[] accepted = new long[b];
        long[] verifications = new long[b];
        long draftNanos = 0;
        long verifyNanos = 0;
        long prefillNanos;
        long kvBytes;
        int chunk = BatchPrefill.chunk(model, maxPrompt);
        int lookAhead = Math.min(numSpeculations, maxNew); // d may exceed what is ever drafted
        int maxPass = Math.max(chunk, lookAhead + 1);
        try (DecoderState state =
                model.newState(
                        request, b, maxPrompt + maxNew + lookAhead + 1, maxPass)) {
            kvBytes = state.kvBytes();
            long[] first =
                    BatchPrefill.run(model, ps, request, state, prompts, layers, picker, chunk);
            prefillNanos = System.nanoTime() - start;
            for (int r = 0; r < b; r++) {
                out.add(new ArrayList<>());
                active[r] = true;
                emit(r, first[r], TokenKind.PLAIN, out, active, reason);
            }
            while (anyTrue(active)) {
                int[] n = state.lengths(0); // committed slots; the row's last token goes to slot n
                long[] cur = new long[b];
                int[] budget = new int[b];
                boolean[] drafting = new boolean[b];
                List<List<Long>> draft = new ArrayList<>();
                List<List<double[]>> draftDists = new ArrayList<>();
                for (int r = 0; r < b; r++) {
                    List<Long> o = out.get(r);
                    cur[r] = o.get(o.size() - 1);
                    budget[r] = active[r] ? Math.min(numSpeculations, maxNew - o.size() - 1) : 0;
                    drafting[r] = budget[r] > 0;
                    draft.add(new ArrayList<>());
                    draftDists.add(new ArrayList<>());
                }
                long[] x = cur.clone();
                long t0 = System.nanoTime();
                int steps = 0;
                try (NDScope scope = new NDScope()) {
                    while (anyTrue(drafting)) {
                        NDArray h = lower(ps, cur, state, offset(n, steps));
                        NDArray logits = model.head(ps, h); // (B, 1, V)
                        long[] ids = null;
                        double[][][] dists = null;
                        if (picker.greedy()) {
                            ids = logits.argMax(2).toLongArray();
                        } else {
                            dists = picker.distributions(logits);
                        }
                        float[] confidence = confidence(logits);
                        for (int r = 0; r < b; r++) {
                            if (!drafting[r]) {
                                continue; // keeps feeding its last token; ignored
                            }
                            long d;
                            if (ids != null) {
                                d = ids[r];
                            } else {
                                d = picker.sample(dists[r][0], r);
                                draftDists.get(r).add(dists[r][0]);
                            }
                            draft.get(r).add(d);
                            cur[r] = d;
                            if (eos.contains(d)
                                    || draft.get(r).size() >= budget[r]
                                    || (confidence != null
                                            && confidence[r] < options.confidenceThreshold())) {
                                drafting[r] = false;
                            }
                        }
                        steps++;
                    }
                }
                long t1 = System.nanoTime();
                for (int r = 0; r < b; r++) {
                    if (!draft.get(r).isEmpty()) {
                        listener.onDraft(r, toArray(draft.get(r)));
                    }
                }
                long[][] produced = new long[b][];
                int[] matches = new int[b];
                try (NDScope scope = new NDScope()) {
                    NDArray logits = verify(ps, state, n, steps, x, cur, draft); // (B, steps+1, V)
                    long[][] verified = picker.greedy() ? picker.argmax(logits) : null;
                    double[][][] target = picker.greedy() ? null : picker.distributions(logits);
                    for (int r = 0; r < b; r++) {
                        if (!active[r]) {
                            continue;
                        }
                        List<Long> dr = draft.get(r);
                        int k = dr.size();
                        int m = 0;
                        long next;
                        if (verified != null) {
                            while (m < k && dr.get(m) == verified[r][m]) {
                                m++;
                            }
                            next = verified[r][m];
                        } else {
                            next = -1;
                            while (m < k) {
                                int d = dr.get(m).intValue();
                                double pt = target[r][m][d];
                                double pd = draftDists.get(r).get(m)[d];
                                if (picker.uniform(r) < Math.min(1.0, pt / pd)) {
                                    m++;
                                } else {
                                    next =
                                            picker.sample(
                                                    residual(target[r][m], draftDists.get(r).get(m)),
                                                    r);
                                    break;
                                }
                            }
                            if (m == k) {
                                next = picker.sample(target[r][k], r);
                            }
                        }
                        matches[r] = m;
                        produced[r] = new long[m + 1];
                        for (int i = 0; i < m; i++) {
                            produced[r][i] = dr.get(i);
                        }
                        produced[r][m] = next;
                    }
                }
                long t2 = System.nanoTime();
                draftNanos += t1 - t0;
                verifyNanos += t2 - t1;
                for (int r = 0; r < b; r++) {
                    if (!active[r]) {
                        state.truncate(r, n[r]); // finished rows only computed ignored slots
                        continue;
                    }
                    drafted[r] += draft.get(r).size();
                    accepted[r] += matches[r];
                    verifications[r]++;
                    // Slots n .. n+m hold x and the accepted drafts in every layer.
                    state.truncate(r, n[r] + matches[r] + 1);
                    for (int i = 0; i < produced[r].length && active[r]; i++) {
                        emit(
                                r,
                                produced[r][i],
                                i < matches[r] ? TokenKind.ACCEPTED : TokenKind.VERIFIED,
                                out,
                                active,
                                reason);
                    }
                }
            }
        }
        long decodeNanos = System.nanoTime() - start - prefillNanos;
        List<GenerationResult> results = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            results.add(
                    new GenerationResult(
                            toArray(out.get(r)),
                            reason[r],
                            DecodingStrategy.SELF_SPECULATIVE,
                            exit,
                            numSpeculations,
                            prompts[r].length,
                            prefillNanos,
                            decodeNanos,
                            new SpeculationStats(
                                    drafted[r],
                                    accepted[r],
                                    verifications[r],
                                    draftNanos,
                                    verifyNanos),
                            kvBytes));
        }
        return results;
    }

    /** Appends a token to a row's output and decides whether the row is finished. */
    private void emit(
            int r,
            long token,
            TokenKind kind,
            List<List<Long>> out,
            boolean[] active,
            FinishReason[] reason) {
        out.get(r).add(token);
        listener.onToken(r, token, kind);
        if (eos.contains(token)) {
            active[r] = false;
            reason[r] = FinishReason.EOS;
        } else if (out.get(r).size() >= options.maxNewTokens()) {
            active[r] = false;
            reason[r] = FinishReason.LENGTH;
        }
    }

    /**
     * Verification: returns the full model's logits after each of {@code x, d1..d_steps} of every
     * row, computed from slot {@code n[r]}.
     */
    private NDArray verify(
            ParameterStore ps,
            DecoderState state,
            int[] n,
            int steps,
            long[] x,
            long[] last,
            List<List<Long>> draft) {
        int b = n.length;
        NDArray h;
        if (options.reuseExitStates()) {
            // Only the last draft token still needs layers 0..E-1; the upper layers resume from the
            // exit-layer states the draft stored (the KVQ cache).
            lower(ps, last, state, offset(n, steps));
            NDArray exitStates = state.exitHidden(n, steps + 1); // (B, steps+1, D)
            h = model.runLayers(ps, exitStates, state, exit, layers, n);
        } else {
            // Ablation: recompute every layer for x and all drafts (same KV slots, same values).
            long[] ids = new long[b * (steps + 1)];
            for (int r = 0; r < b; r++) {
                ids[r * (steps + 1)] = x[r];
                List<Long> dr = draft.get(r);
                for (int i = 1; i <= steps; i++) {
                    ids[r * (steps + 1) + i] = i <= dr.size() ? dr.get(i - 1) : last[r];
                }
            }
            NDArray in = request.create(ids, new Shape(b, steps + 1));
            h = model.runLayers(ps, model.embed(ps, in), state, 0, layers, n);
        }
        return model.head(ps, h);
    }

    /** Runs one token per row through layers 0..E-1 at the given slots; stores exit states. */
    private NDArray lower(ParameterStore ps, long[] tokens, DecoderState state, int[] slots) {
        NDArray ids = request.create(tokens, new Shape(tokens.length, 1));
        NDArray h = model.runLayers(ps, model.embed(ps, ids), state, 0, exit, slots);
        state.putExitHidden(h, slots);
        return h;
    }

    /** Top probability of each row's draft distribution, or null when adaptive drafting is off. */
    private float[] confidence(NDArray logits) {
        if (options.confidenceThreshold() <= 0) {
            return null;
        }
        return logits.softmax(2).max(new int[] {2}).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    private static int[] offset(int[] n, int by) {
        int[] o = new int[n.length];
        for (int i = 0; i < n.length; i++) {
            o[i] = n[i] + by;
        }
        return o;
    }

    private static boolean anyTrue(boolean[] a) {
        for (boolean x : a) {
            if (x) {
                return true;
            }
        }
        return false;
    }

    private static long[] toArray(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    /** norm(max(0, p - q)); falls back to p if the difference vanishes numerically. */
    static double[] residual(double[] p, double[] q) {
        double[] r = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.max(0, p[i] - q[i]);
            sum += r[i];
        }
        if (sum <= 0) {
            return p;
        }
        for (int i = 0; i < p.length; i++) {
            r[i] /= sum;
        }
        return r;
    }
}
