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

    GenerationResult generate(long[] prompt, int row) {
        int maxNew = options.maxNewTokens();
        Picker picker = new Picker(options);
        ParameterStore ps = new ParameterStore(request, false);
        long start = System.nanoTime();
        List<Long> out = new ArrayList<>();
        FinishReason reason = FinishReason.LENGTH;
        long drafted = 0;
        long accepted = 0;
        long verifications = 0;
        long draftNanos = 0;
        long verifyNanos = 0;
        long prefillNanos;
        int p = prompt.length;
        try (DecoderState state = model.newState(request, 1, p + maxNew + numSpeculations + 1)) {
            long first;
            try (NDScope scope = new NDScope()) {
                NDArray ids = request.create(prompt, new Shape(1, p));
                first = picker.pick(model.forward(ps, ids, state, layers, true).logits())[0];
            }
            prefillNanos = System.nanoTime() - start;
            out.add(first);
            listener.onToken(row, first, TokenKind.PLAIN);
            boolean stop = eos.contains(first);
            if (stop) {
                reason = FinishReason.EOS;
            }
            while (!stop && out.size() < maxNew) {
                int n = p + out.size() - 1; // committed slots; out's last token sits at slot n
                long x = out.get(out.size() - 1);
                int budget = Math.min(numSpeculations, maxNew - out.size() - 1);
                long t0 = System.nanoTime();
                List<Long> draft = new ArrayList<>();
                List<double[]> draftDists = new ArrayList<>();
                try (NDScope scope = new NDScope()) {
                    long cur = x;
                    for (int i = 0; i < budget; i++) {
                        NDArray h = lower(ps, cur, state, n + i);
                        NDArray logits = model.head(ps, h); // (1, 1, V)
                        long d;
                        if (picker.greedy()) {
                            d = logits.argMax(2).getLong();
                        } else {
                            double[] q = picker.distributions(logits)[0];
                            d = TokenSampler.sample(q, picker.rng());
                            draftDists.add(q);
                        }
                        draft.add(d);
                        cur = d;
                        if (eos.contains(d) || lowConfidence(logits)) {
                            break;
                        }
                    }
                }
                long t1 = System.nanoTime();
                int k = draft.size();
                if (k > 0) {
                    listener.onDraft(row, draft.stream().mapToLong(Long::longValue).toArray());
                }
                long[] produced;
                int matches;
                try (NDScope scope = new NDScope()) {
                    NDArray h;
                    if (options.reuseExitStates()) {
                        long last = k == 0 ? x : draft.get(k - 1);
                        lower(ps, last, state, n + k);
                        NDArray exitStates = state.exitHidden(n, n + k + 1); // (1, k+1, D)
                        h = model.runLayers(ps, exitStates, state, exit, layers, n);
                    } else {
                        // Ablation: recompute all layers for x and every draft (the KV slots are
                        // overwritten with identical values).
                        long[] all = new long[k + 1];
                        all[0] = x;
                        for (int i = 0; i < k; i++) {
                            all[i + 1] = draft.get(i);
                        }
                        NDArray ids = request.create(all, new Shape(1, k + 1));
                        h = model.runLayers(ps, model.embed(ps, ids), state, 0, layers, n);
                    }
                    NDArray logits = model.head(ps, h); // (1, k+1, V)
                    if (picker.greedy()) {
                        long[] verified = logits.argMax(2).toLongArray(); // k+1
                        matches = 0;
                        while (matches < k && draft.get(matches) == verified[matches]) {
                            matches++;
                        }
                        produced = new long[matches + 1];
                        for (int i = 0; i < matches; i++) {
                            produced[i] = draft.get(i);
                        }
                        produced[matches] = verified[matches];
                    } else {
                        double[][] target = picker.distributions(logits);
                        matches = 0;
                        long next = -1;
                        while (matches < k) {
                            int d = draft.get(matches).intValue();
                            double pt = target[matches][d];
                            double pd = draftDists.get(matches)[d];
                            if (picker.rng().nextDouble() < Math.min(1.0, pt / pd)) {
                                matches++;
                            } else {
                                next = TokenSampler.sample(
                                        residual(target[matches], draftDists.get(matches)),
                                        picker.rng());
                                break;
                            }
                        }
                        if (matches == k) {
                            next = TokenSampler.sample(target[k], picker.rng());
                        }
                        produced = new long[matches + 1];
                        for (int i = 0; i < matches; i++) {
                            produced[i] = draft.get(i);
                        }
                        produced[matches] = next;
                    }
                }
                long t2 = System.nanoTime();
                draftNanos += t1 - t0;
                verifyNanos += t2 - t1;
                drafted += k;
                accepted += matches;
                verifications++;
                // Slots n .. n+matches hold x and the accepted drafts in every layer.
                state.truncate(n + matches + 1);
                for (int i = 0; i < produced.length && !stop; i++) {
                    out.add(produced[i]);
                    listener.onToken(
                            row, produced[i], i < matches ? TokenKind.ACCEPTED : TokenKind.VERIFIED);
                    if (eos.contains(produced[i])) {
                        stop = true;
                        reason = FinishReason.EOS;
                    } else if (out.size() >= maxNew) {
                        stop = true;
                    }
                }
            }
        }
        long decodeNanos = System.nanoTime() - start - prefillNanos;
        return new GenerationResult(
                out.stream().mapToLong(Long::longValue).toArray(),
                reason,
                DecodingStrategy.SELF_SPECULATIVE,
                exit,
                numSpeculations,
                prompt.length,
                prefillNanos,
                decodeNanos,
                new SpeculationStats(drafted, accepted, verifications, draftNanos, verifyNanos));
    }

    /** Runs one token through layers 0..E-1 at a slot and stores its exit-layer hidden state. */
    private NDArray lower(ParameterStore ps, long token, DecoderState state, int slot) {
        NDArray ids = request.create(new long[] {token}, new Shape(1, 1));
        NDArray h = model.runLayers(ps, model.embed(ps, ids), state, 0, exit, slot);
        state.putExitHidden(h, slot);
        return h;
    }

    private boolean lowConfidence(NDArray logits) {
        double threshold = options.confidenceThreshold();
        if (threshold <= 0) {
            return false;
        }
        return logits.softmax(2).max().getFloat() < threshold;
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
