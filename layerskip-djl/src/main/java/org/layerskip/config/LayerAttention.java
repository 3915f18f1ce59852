package org.layerskip.config;

/**
 * Which keys a layer's queries see, on absolute positions {@code q} (query) and {@code k} (key),
 * always causal ({@code k <= q}):
 *
 * <ul>
 *   <li>{@link Kind#FULL}: every earlier key;
 *   <li>{@link Kind#SLIDING}: the last {@code size} keys including itself, {@code q - size < k}
 *       (Mistral's {@code sliding_window}; Xiong et al. 2022's local window attention);
 *   <li>{@link Kind#CHUNKED}: keys of the same disjoint block, {@code floor(k / size) == floor(q /
 *       size)} (Llama 4's {@code attention_chunk_size}; Xiong et al.'s disjoint local attention).
 * </ul>
 *
 * @param kind the kind
 * @param size W for sliding windows, B for chunks, 0 for full attention
 */
public record LayerAttention(Kind kind, int size) {

    /** Full causal attention. */
    public static final LayerAttention FULL = new LayerAttention(Kind.FULL, 0);

    /** The attention kinds. */
    public enum Kind {
        /** Full causal attention. */
        FULL,
        /** Sliding window of {@code size} visible keys. */
        SLIDING,
        /** Disjoint causal blocks of {@code size} positions. */
        CHUNKED
    }

    /** Validates the size. */
    public LayerAttention {
        if (kind == null) {
            throw new ConfigException("attention kind must not be null");
        }
        if (kind == Kind.FULL && size != 0) {
            throw new ConfigException("full attention takes no window size");
        }
        if (kind != Kind.FULL && (size < 1 || size > (1 << 24))) {
            throw new ConfigException(
                    kind.name().toLowerCase(java.util.Locale.ROOT)
                            + " attention size must be in [1, 2^24], got "
                            + size);
        }
    }

    /**
     * Creates a sliding window of {@code w} visible keys.
     *
     * @param w the window
     * @return the spec
     */
    public static LayerAttention sliding(int w) {
        return new LayerAttention(Kind.SLIDING, w);
    }

    /**
     * Creates disjoint blocks of {@code b} positions.
     *
     * @param b the block size
     * @return the spec
     */
    public static LayerAttention chunked(int b) {
        return new LayerAttention(Kind.CHUNKED, b);
    }

    /**
     * Returns whether the query at position {@code q} sees the key at position {@code k}.
     *
     * @param q query position
     * @param k key position
     * @return visibility
     */
    public boolean visible(long q, long k) {
        if (k > q || k < 0) {
            return false;
        }
        return switch (kind) {
            case FULL -> true;
            case SLIDING -> q - k < size;
            case CHUNKED -> Math.floorDiv(k, size) == Math.floorDiv(q, size);
        };
    }

    /**
     * Returns whether this layer attends to a bounded number of keys.
     *
     * @return true for sliding and chunked attention
     */
    public boolean isLocal() {
        return kind != Kind.FULL;
    }
}
