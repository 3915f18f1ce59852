package org.layerskip.engine;

/**
 * One request's access to an engine: passes over some or all rows of its {@link
 * org.layerskip.cache.DecoderState}, each starting at the rows' fill lengths, writing keys/values in
 * place and committing the new lengths. Token choice happens inside the engine: greedy argmax, or a
 * draw from the request's {@link TokenSampler} distribution at a uniform the caller drew on the host
 * (so sampling is seeded per row and reproducible, whichever engine runs it). Not thread-safe.
 */
public interface EngineSession extends AutoCloseable {

    /**
     * Runs {@code tokens} new tokens of each row through layers {@code 0..exitLayer-1} and the shared
     * exit head, and chooses one token per row (prefill, autoregressive decoding, early exit).
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
    long[] forward(int[] rows, long[] ids, int tokens, int exitLayer, int[] pickAt, double[] uniforms);

    /**
     * Runs one self-speculative round: drafts with layers {@code 0..E-1} and the shared head
     * (storing exit states), then verifies with layers {@code E..L-1} over the stored exit states in
     * one pass. Acceptance is the caller's ({@code SpeculativeAcceptor}); the caller also rolls the
     * state back afterwards.
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
