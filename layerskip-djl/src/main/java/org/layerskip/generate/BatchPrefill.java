package org.layerskip.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.layerskip.cache.DecoderState;
import org.layerskip.nn.LlamaModel;

/**
 * Processes the prompts of a batch in one pass: prompts are right-padded to a common length, logits
 * are taken at each row's own last prompt token, and each row's fill length is then set to its
 * prompt length, so padding slots are overwritten by the first generated tokens.
 */
final class BatchPrefill {

    private BatchPrefill() {}

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
     * @return the first generated token of each row
     */
    static long[] run(
            LlamaModel model,
            ParameterStore ps,
            NDManager request,
            DecoderState state,
            long[][] prompts,
            int exit,
            Picker picker) {
        int b = prompts.length;
        int t = 0;
        for (long[] p : prompts) {
            t = Math.max(t, p.length);
        }
        long[] flat = new long[b * t];
        int[] last = new int[b];
        boolean[] all = new boolean[b];
        for (int r = 0; r < b; r++) {
            System.arraycopy(prompts[r], 0, flat, r * t, prompts[r].length);
            for (int j = prompts[r].length; j < t; j++) {
                flat[r * t + j] = prompts[r][prompts[r].length - 1]; // padding, overwritten later
            }
            last[r] = prompts[r].length - 1;
            all[r] = true;
        }
        long[] first;
        try (NDScope ignored = new NDScope()) {
            NDArray ids = request.create(flat, new Shape(b, t));
            first = picker.pick(model.forward(ps, ids, state, exit, last).logits(), all);
        }
        for (int r = 0; r < b; r++) {
            state.truncate(r, prompts[r].length);
        }
        return first;
    }
}
