package org.layerskip.generate;

/**
 * Receives tokens as they are produced (streaming). Called on the generating thread; keep it fast.
 */
@FunctionalInterface
public interface TokenListener {

    /** A listener that ignores everything. */
    TokenListener NONE = (row, id, kind) -> {};

    /**
     * A token was appended to the output of a row.
     *
     * @param row the batch row
     * @param tokenId the token
     * @param kind where it came from
     */
    void onToken(int row, long tokenId, TokenKind kind);

    /**
     * Draft tokens were proposed (before verification); default: ignored.
     *
     * @param row the batch row
     * @param draft the drafted ids
     */
    default void onDraft(int row, long[] draft) {}

    /**
     * Asked after every {@link #onToken}: whether the row should end now, after that token (stop
     * strings). Tokens the row would have emitted later in the same round (accepted drafts) are
     * dropped; the row ends with {@link FinishReason#STOP}. Default: never.
     *
     * @param row the batch row
     * @return true to end the row
     */
    default boolean stopRequested(int row) {
        return false;
    }
}
