package org.layerskip.cache;

import java.util.Arrays;

/**
 * Everything one pass over layers {@code [from, to)} needs to know about positions and cache slots,
 * computed on the host once per pass (not per layer) from a {@link DecoderState}: the rows it
 * covers, each row's first position (its fill length), the absolute position of every new token,
 * and per {@link AttentionGroup} the slot every new key/value goes to and how many slots attention
 * reads. Linear caches, rings (local attention), rows of different lengths and rollback are all the
 * same thing here: a slot index per token.
 *
 * <p>Engines turn a plan into tensors (the per-op path) or into a few integers of one native call
 * (the fused path); {@link #commit()} records the new fill lengths once the pass ran.
 */
public final class PassPlan {

    private final DecoderState state;
    private final int[] rows;
    private final boolean allRows;
    private final int tokens;
    private final int from;
    private final int to;
    private final int[] starts;
    private final long[] positions;
    private final long[][] writeSlots;
    private final int[] readLength;

    private PassPlan(DecoderState state, int[] rows, int tokens, int from, int to) {
        this.state = state;
        this.rows = rows;
        this.allRows = rows.length == state.batchSize() && isIdentity(rows);
        this.tokens = tokens;
        this.from = from;
        this.to = to;
        int b = rows.length;
        starts = new int[b];
        for (int i = 0; i < b; i++) {
            starts[i] = state.length(from, rows[i]);
            for (int l = from + 1; l < to; l++) {
                if (state.length(l, rows[i]) != starts[i]) {
                    throw new IllegalStateException(
                            "layers "
                                    + from
                                    + " and "
                                    + l
                                    + " of row "
                                    + rows[i]
                                    + " hold different lengths ("
                                    + starts[i]
                                    + " vs "
                                    + state.length(l, rows[i])
                                    + "): a pass must start where all its layers end");
                }
            }
            long end = (long) starts[i] + tokens;
            if (end > state.capacity()) {
                throw new IllegalArgumentException(
                        "request needs "
                                + end
                                + " cache slots but was allocated "
                                + state.capacity());
            }
        }
        positions = new long[b * tokens];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < tokens; j++) {
                positions[i * tokens + j] = (long) starts[i] + j;
            }
        }
        AttentionGroup[] groups = state.groups();
        writeSlots = new long[groups.length][];
        readLength = new int[groups.length];
        int maxEnd = 0;
        for (int s : starts) {
            maxEnd = Math.max(maxEnd, s + tokens);
        }
        for (int l = from; l < to; l++) {
            AttentionGroup g = state.group(l);
            if (writeSlots[g.index()] != null) {
                continue;
            }
            if (g.ring() && tokens > g.capacity()) {
                throw new IllegalStateException(
                        "a pass of "
                                + tokens
                                + " tokens does not fit a ring cache of "
                                + g.capacity());
            }
            long[] slots = new long[positions.length];
            for (int k = 0; k < slots.length; k++) {
                slots[k] = g.slot(positions[k]);
            }
            writeSlots[g.index()] = slots;
            readLength[g.index()] = g.ring() ? g.capacity() : maxEnd;
        }
    }

    /**
     * Plans a pass of {@code tokens} new tokens per row over layers {@code [from, to)} of every
     * row.
     *
     * @param state the request state
     * @param from first layer
     * @param to layer after the last
     * @param tokens T, new tokens per row
     * @return the plan
     */
    public static PassPlan of(DecoderState state, int from, int to, int tokens) {
        int[] all = new int[state.batchSize()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return of(state, all, from, to, tokens);
    }

    /**
     * Plans a pass over some rows of the state (continuous batching: the others are left
     * untouched).
     *
     * @param state the request state
     * @param rows distinct batch rows, ascending
     * @param from first layer
     * @param to layer after the last
     * @param tokens T, new tokens per row
     * @return the plan
     */
    public static PassPlan of(DecoderState state, int[] rows, int from, int to, int tokens) {
        if (state == null || rows == null) {
            throw new IllegalArgumentException("state and rows must not be null");
        }
        if (from < 0 || to > state.numLayers() || from >= to) {
            throw new IllegalArgumentException(
                    "layer range ["
                            + from
                            + ", "
                            + to
                            + ") is not a non-empty range within [0, "
                            + state.numLayers()
                            + "]");
        }
        if (tokens < 1) {
            throw new IllegalArgumentException("a pass needs at least one token, got " + tokens);
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("a pass needs at least one row");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= state.batchSize() || (i > 0 && rows[i] <= rows[i - 1])) {
                throw new IllegalArgumentException(
                        "rows must be distinct, ascending and within [0, "
                                + state.batchSize()
                                + "), got "
                                + Arrays.toString(rows));
            }
        }
        return new PassPlan(state, rows.clone(), tokens, from, to);
    }

    private static boolean isIdentity(int[] rows) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    /**
     * Records the new fill lengths of the pass's layers and rows ({@code start + T}); mutates the
     * state.
     */
    public void commit() {
        for (int i = 0; i < rows.length; i++) {
            for (int l = from; l < to; l++) {
                state.setLength(l, rows[i], starts[i] + tokens);
            }
        }
    }

    /**
     * Returns the state this plan was made for.
     *
     * @return the state
     */
    public DecoderState state() {
        return state;
    }

    /**
     * Returns the batch rows of the state this pass covers.
     *
     * @return a copy, ascending
     */
    public int[] rows() {
        return rows.clone();
    }

    /**
     * Returns whether the pass covers every row of the state, in order.
     *
     * @return true for a whole-batch pass
     */
    public boolean allRows() {
        return allRows;
    }

    /**
     * Returns the number of rows in the pass.
     *
     * @return b
     */
    public int batchSize() {
        return rows.length;
    }

    /**
     * Returns T.
     *
     * @return new tokens per row
     */
    public int tokens() {
        return tokens;
    }

    /**
     * Returns the first layer.
     *
     * @return from
     */
    public int from() {
        return from;
    }

    /**
     * Returns the layer after the last.
     *
     * @return to
     */
    public int to() {
        return to;
    }

    /**
     * Returns the first position (= fill length before the pass) of each row.
     *
     * @return a copy
     */
    public int[] starts() {
        return starts.clone();
    }

    /**
     * Returns whether every row starts at the same position (one rotary table row serves all).
     *
     * @return true if all starts are equal
     */
    public boolean uniformStarts() {
        return DecoderState.allEqual(starts);
    }

    /**
     * Returns the absolute position of every new token, row-major {@code (b, T)}.
     *
     * @return a copy
     */
    public long[] positions() {
        return positions.clone();
    }

    /**
     * Returns the slot each new key/value of a group's layers goes to, row-major {@code (b, T)}.
     *
     * @param group a group used by this pass's layers
     * @return a copy
     */
    public long[] writeSlots(AttentionGroup group) {
        return slots(group).clone();
    }

    /**
     * Returns how many slots attention reads in a group's layers: the ring's capacity, or the
     * longest row's new fill length for a linear cache.
     *
     * @param group a group used by this pass's layers
     * @return S
     */
    public int readLength(AttentionGroup group) {
        slots(group);
        return readLength[group.index()];
    }

    private long[] slots(AttentionGroup group) {
        long[] s = writeSlots[group.index()];
        if (s == null) {
            throw new IllegalArgumentException(
                    "group " + group + " is not used by layers [" + from + ", " + to + ")");
        }
        return s;
    }

    /**
     * Returns the exit-state slot of every new token, row-major {@code (b, T)}.
     *
     * @return slots of {@link DecoderState#exitStates()}
     */
    public long[] exitSlots() {
        ExitStateCache x = state.exitStates();
        if (tokens > x.capacity()) {
            throw new IllegalStateException(
                    "storing " + tokens + " exit states in a store of " + x.capacity());
        }
        long[] s = new long[positions.length];
        for (int k = 0; k < s.length; k++) {
            s[k] = x.slot(positions[k]);
        }
        return s;
    }
}
