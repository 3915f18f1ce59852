package org.layerskip.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.nn.LlamaModel;

/**
 * Processes the prompts of a batch: in one pass (prompts right-padded to a common length), or for
 * models with sliding-window/chunked layers in passes of at most {@code chunk} tokens, so that ring
 * caches stay {@code window + chunk} slots. Logits are taken at each row's own last prompt token; a
 * row whose prompt is exhausted keeps writing a filler token at its next position and is rolled back
 * after each pass, so fillers are overwritten by the first generated tokens.
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
     * @param model the model
     * @param ps the parameter store
     * @param request the request's manager
     * @param state the fresh state (mutated)
     * @param prompts prompt ids per row
     * @param exit layers to run (E, or L for the full model)
     * @param picker chooses tokens
     * @param chunk the most tokens per pass
     * @return the first generated token of each row
     */
    static long[] run(
            LlamaModel model,
            ParameterStore ps,
            NDManager request,
            DecoderState state,
            long[][] prompts,
            int exit,
            Picker picker,
            int chunk) {
        int b = prompts.length;
        int[] consumed = new int[b];
        long[] first = new long[b];
        while (true) {
            int remaining = 0;
            for (int r = 0; r < b; r++) {
                remaining = Math.max(remaining, prompts[r].length - consumed[r]);
            }
            if (remaining == 0) {
                return first;
            }
            int t = Math.min(chunk, remaining);
            long[] flat = new long[b * t];
            int[] position = new int[b];
            boolean[] endsHere = new boolean[b];
            for (int r = 0; r < b; r++) {
                long[] p = prompts[r];
                for (int j = 0; j < t; j++) {
                    int i = consumed[r] + j;
                    flat[r * t + j] = i < p.length ? p[i] : p[p.length - 1]; // filler
                }
                int left = p.length - consumed[r];
                endsHere[r] = left > 0 && left <= t;
                position[r] = endsHere[r] ? left - 1 : 0;
            }
            try (NDScope ignored = new NDScope()) {
                NDArray ids = request.create(flat, new Shape(b, t));
                long[] picked =
                        picker.pick(model.forward(ps, ids, state, exit, position).logits(), endsHere);
                for (int r = 0; r < b; r++) {
                    if (endsHere[r]) {
                        first[r] = picked[r];
                    }
                }
            }
            for (int r = 0; r < b; r++) {
                consumed[r] = Math.min(prompts[r].length, consumed[r] + t);
                state.truncate(r, consumed[r]);
            }
        }
    }
}
