package org.layerskip.tokenizer;

import java.util.Arrays;

/**
 * Turns token ids into text one id at a time, for streaming generated text.
 *
 * <p>Each {@link #accept(long)} returns the text completed by that id: {@code decode(window + id)}
 * minus {@code decode(window)}, where the window is the ids since the last-but-one emission (the
 * scheme of Hugging Face's text-generation-inference, which keeps each call O(window) instead of
 * O(sequence)). Decoding the window, never a lone id, keeps Llama 2's leading-space convention
 * ({@code "▁world"} is " world" after a token, "world" at the start), and output is held back while
 * the text ends in U+FFFD, i.e. while a multi-byte UTF-8 character is split across byte-fallback
 * tokens such as {@code <0xE2><0x82><0xAC>} or byte-level pieces. The concatenation of all returned
 * fragments plus {@link #flush()} equals {@code decode} of the whole sequence.
 *
 * <p>Not thread-safe; use one per generated sequence.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final LlamaTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private long[] ids = new long[16];
    private int size;
    private int prefixOffset;
    private int readOffset;

    StreamingDecoder(LlamaTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Feeds one id.
     *
     * @param id the next token id
     * @return the newly completed text, possibly empty (never null)
     * @throws IllegalArgumentException if the id is out of the tokenizer's range
     */
    public String accept(long id) {
        tokenizer.checkId(id);
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        return emit(false);
    }

    /**
     * Returns the text still held back (an incomplete or invalid UTF-8 tail, decoded with U+FFFD),
     * and starts a new window. Call it once the sequence has ended.
     *
     * @return the remaining text, possibly empty
     */
    public String flush() {
        return emit(true);
    }

    /**
     * Returns how many ids were fed so far.
     *
     * @return the number of ids
     */
    public int size() {
        return size;
    }

    private String emit(boolean force) {
        String prefixText = decode(prefixOffset, readOffset);
        String newText = decode(prefixOffset, size);
        boolean complete = newText.isEmpty() || newText.charAt(newText.length() - 1) != REPLACEMENT;
        if (newText.length() <= prefixText.length() || !newText.startsWith(prefixText)) {
            complete = false;
        }
        if (!complete && !force) {
            return "";
        }
        String fragment =
                newText.startsWith(prefixText) ? newText.substring(prefixText.length()) : "";
        if (!fragment.isEmpty() || force) {
            prefixOffset = readOffset;
            readOffset = size;
        }
        return fragment;
    }

    private String decode(int from, int to) {
        if (from == to) {
            return "";
        }
        return tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }
}
