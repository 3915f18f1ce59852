package org.layerskip.generate;

import java.util.Arrays;
import java.util.List;

/**
 * The tokens a batch has produced so far, per row, and when each row finished: at an EOS id
 * (emitted), when the listener asks to stop, or at the token budget. Every strategy emits through
 * {@link #emit}, so stopping works the same everywhere.
 */
final class BatchOutputs {

    private final long[][] tokens;
    private final int[] produced;
    private final FinishReason[] reasons;
    private final List<Long> eos;
    private final int maxNew;
    private final TokenListener listener;

    BatchOutputs(int rows, int maxNew, List<Long> eos, TokenListener listener) {
        this.tokens = new long[rows][maxNew];
        this.produced = new int[rows];
        this.reasons = new FinishReason[rows];
        this.eos = eos;
        this.maxNew = maxNew;
        this.listener = listener;
    }

    /** Appends a token to an active row; finishes the row at EOS or at the budget. */
    void emit(int row, long token, TokenKind kind) {
        if (!active(row)) {
            throw new IllegalStateException("row " + row + " has finished");
        }
        tokens[row][produced[row]++] = token;
        listener.onToken(row, token, kind);
        if (eos.contains(token)) {
            reasons[row] = FinishReason.EOS;
        } else if (listener.stopRequested(row)) {
            reasons[row] = FinishReason.STOP;
        } else if (produced[row] == maxNew) {
            reasons[row] = FinishReason.LENGTH;
        }
    }

    /**
     * Emits one row's round: its accepted drafts, then the verifier's token, until the row ends.
     */
    void emitRound(int row, long[] drafts, SpeculativeAcceptor.Acceptance a) {
        for (int j = 0; j < a.accepted() && active(row); j++) {
            emit(row, drafts[j], TokenKind.ACCEPTED);
        }
        if (active(row)) {
            emit(row, a.next(), TokenKind.VERIFIED);
        }
    }

    boolean active(int row) {
        return reasons[row] == null;
    }

    /** Active rows, ascending. */
    int[] activeRows() {
        int n = 0;
        for (FinishReason r : reasons) {
            n += r == null ? 1 : 0;
        }
        int[] rows = new int[n];
        int k = 0;
        for (int r = 0; r < reasons.length; r++) {
            if (reasons[r] == null) {
                rows[k++] = r;
            }
        }
        return rows;
    }

    /** The row's last token. */
    long last(int row) {
        return tokens[row][produced[row] - 1];
    }

    /** How many more tokens the row may produce. */
    int remaining(int row) {
        return maxNew - produced[row];
    }

    long[] tokens(int row) {
        return Arrays.copyOf(tokens[row], produced[row]);
    }

    FinishReason reason(int row) {
        return reasons[row];
    }
}
