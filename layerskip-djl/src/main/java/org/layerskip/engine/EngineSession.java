package org.layerskip.engine;

/**
 * One request's access to an engine: passes over some or all rows of its {@link
 * org.layerskip.cache.DecoderState}, each starting at the rows' fill lengths, writing keys/values
 * in place and committing the new lengths. Token choice happens inside the engine: greedy argmax,
 * or a draw from the request's {@link TokenSampler} distribution at a uniform the caller drew on
 * the host (so sampling is seeded per row and reproducible, whichever engine runs it). Not
 * thread-safe.
 */
public interface EngineSession extends AutoCloseable {

    /**
     * Runs {@code tokens} new tokens of each row through layers {@code 0..exitLayer-1} and the
     * shared exit head, and chooses one token per row (prefill, autoregressive decoding, early
     * exit).
     *
     * @param rows state rows of the pass, distinct and ascending
     * @param ids row-major {@code (rows, tokens)} ids, already validated on the host
     * @param tokens T
     * @param exitLayer E in {@code [1, L]}
     * @param pickAt per row, the index in {@code [0, T)} whose prediction to choose from
     * @param uniforms per row a uniform in {@code [0, 1)} when sampling; ignored (may be null) for
     *     greedy decoding
     * @return the chosen token per row
     * @throws NonFiniteLogitsException when the chosen-from logits are not all finite
     */
    long[] forward(
            int[] rows, long[] ids, int tokens, int exitLayer, int[] pickAt, double[] uniforms);

    /**
     * LayerSkip's draft pass ({@code forward_early}) on its own: one token per row through layers
     * {@code 0..E-1} and the shared head, storing the exit states; chooses the next token.
     *
     * @param rows state rows of the pass
     * @param ids one token per row
     * @param exitLayer E in {@code [1, L - 1]}
     * @param uniforms per row a uniform when sampling, else null
     * @return the chosen draft per row
     */
    long[] forwardEarly(int[] rows, long[] ids, int exitLayer, double[] uniforms);

    /**
     * LayerSkip's verification pass ({@code forward_remainder}) on its own: layers {@code E..L-1}
     * over the stored exit states of each row's next {@code tokens} positions, then the head.
     *
     * @param rows state rows of the pass
     * @param tokens positions to verify
     * @param exitLayer E in {@code [1, L - 1]}
     * @return per row, the full model's argmax after each position
     */
    long[][] forwardRemainder(int[] rows, int tokens, int exitLayer);

    /**
     * Runs a pass like {@link #forward} but returns every position's logits (tests and tools: the
     * whole {@code (b, T, V)} block crosses to the host).
     *
     * @param rows state rows of the pass
     * @param ids row-major {@code (rows, tokens)} ids
     * @param tokens T
     * @param exitLayer E in {@code [1, L]}
     * @return {@code [b][T][V]} logits
     */
    float[][][] logits(int[] rows, long[] ids, int tokens, int exitLayer);

    /**
     * Runs one self-speculative round: drafts with layers {@code 0..E-1} and the shared head
     * (storing exit states), then verifies with layers {@code E..L-1} over the stored exit states
     * in one pass. Acceptance is the caller's ({@code SpeculativeAcceptor}); the caller also rolls
     * the state back afterwards.
     *
     * @param request what to draft
     * @return drafts and the verifier's choices
     * @throws NonFiniteLogitsException when logits are not all finite
     */
    DraftRound speculate(DraftRequest request);

    /** Releases per-request resources (also released when the state closes). */
    @Override
    void close();
}
