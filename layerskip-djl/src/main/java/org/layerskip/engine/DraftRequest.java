package org.layerskip.engine;

/**
 * The inputs of one self-speculative round over some rows of a request.
 *
 * <p>Each row {@code r} has its last output token {@code last[r]} at its fill length {@code n_r}
 * (not yet run). Drafting feeds it and then each draft through layers {@code 0..E-1} and the shared
 * head, until the row has {@code budget[r]} drafts, drafts an EOS id, or (when {@code
 * confidenceThreshold > 0}) its draft distribution's top probability falls below the threshold;
 * rows that stop early keep feeding their last draft (ignored) while others continue. Verification
 * runs the last draft through layers {@code 0..E-1} and layers {@code E..L-1} over all {@code steps
 * + 1} exit states (or, with {@code reuseExitStates} off, every layer over the tokens again: an
 * ablation).
 *
 * @param rows state rows of the round, distinct and ascending
 * @param last per row, the last output token
 * @param budgets per row, the most drafts ({@code >= 0}; 0 verifies {@code x} alone)
 * @param exitLayer E in {@code [1, L - 1]}
 * @param eos ids that end a draft
 * @param confidenceThreshold adaptive drafting threshold, 0 for off
 * @param draftUniforms when sampling: per row {@code maxDraft} uniforms, one per draft step
 * @param residualUniforms when sampling: per row {@code maxDraft + 1} uniforms, one per verified
 *     position (for the residual or, after the last draft, the full model's distribution)
 * @param reuseExitStates whether verification resumes from the stored exit states (the KVQ cache)
 */
public record DraftRequest(
        int[] rows,
        long[] last,
        int[] budgets,
        int exitLayer,
        long[] eos,
        double confidenceThreshold,
        double[][] draftUniforms,
        double[][] residualUniforms,
        boolean reuseExitStates) {

    /** Checks the per-row arrays agree. */
    public DraftRequest {
        if (rows == null || last == null || budgets == null || eos == null) {
            throw new IllegalArgumentException(
                    "rows, last tokens, budgets and EOS ids must not be null");
        }
        if (last.length != rows.length || budgets.length != rows.length) {
            throw new IllegalArgumentException(
                    "need one last token and one budget per row (" + rows.length + ")");
        }
        for (int b : budgets) {
            if (b < 0) {
                throw new IllegalArgumentException("draft budgets must be >= 0, got " + b);
            }
        }
    }

    /**
     * Returns the most drafts any row may make.
     *
     * @return max budget
     */
    public int maxBudget() {
        int m = 0;
        for (int b : budgets) {
            m = Math.max(m, b);
        }
        return m;
    }
}
