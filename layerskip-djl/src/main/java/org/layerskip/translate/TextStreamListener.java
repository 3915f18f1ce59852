package org.layerskip.translate;

import org.layerskip.generate.TokenKind;
import org.layerskip.generate.TokenListener;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.tokenizer.StreamingDecoder;

import java.util.List;

/**
 * Turns one sequence's tokens into text as they are produced, and ends the sequence at the first
 * stop string: each token is detokenized incrementally ({@link StreamingDecoder}), the text passes
 * through {@link StopStrings}, and what is safe to show goes to a {@link TextSink} together with
 * the token and its kind (plain, accepted draft, verifier). {@link #stopRequested} tells the
 * decoder to end the sequence right after the token that completed a stop string, so tokens after
 * it in an accepted draft are never emitted (and the row is rolled back).
 *
 * <p>Ids outside the tokenizer's vocabulary (padded embedding tables) add no text. Called on the
 * generating thread; not thread-safe.
 */
public final class TextStreamListener implements TokenListener {

    /** Receives a sequence's text as it becomes safe to show. */
    @FunctionalInterface
    public interface TextSink {

        /**
         * A token was produced.
         *
         * @param text the text it made safe to show (often empty: held back, incomplete UTF-8, a
         *     special token)
         * @param tokenId the token
         * @param kind where it came from
         */
        void onText(String text, long tokenId, TokenKind kind);

        /**
         * Drafts were proposed; default: ignored.
         *
         * @param drafts the drafted ids
         */
        default void onDraft(long[] drafts) {}
    }

    private final LlamaTokenizer tokenizer;
    private final StreamingDecoder decoder;
    private final StopStrings stops;
    private final TextSink sink;
    private final StringBuilder text = new StringBuilder();
    private boolean finished;

    /**
     * Creates the listener.
     *
     * @param tokenizer the model's tokenizer, or null for id-only use (no text, no stop strings)
     * @param stops stop strings (possibly empty)
     * @param sink where text goes, or null
     * @throws IllegalArgumentException for invalid stop strings, or stop strings without a
     *     tokenizer
     */
    public TextStreamListener(LlamaTokenizer tokenizer, List<String> stops, TextSink sink) {
        this.stops = new StopStrings(stops);
        if (tokenizer == null && !stops.isEmpty()) {
            throw new IllegalArgumentException("stop strings need the model's tokenizer.json");
        }
        this.tokenizer = tokenizer;
        this.decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder();
        this.sink = sink == null ? (t, id, k) -> {} : sink;
    }

    /** {@inheritDoc} */
    @Override
    public void onToken(int row, long tokenId, TokenKind kind) {
        String piece = "";
        if (decoder != null && tokenId >= 0 && tokenId < tokenizer.vocabSize()) {
            piece = stops.push(decoder.accept(tokenId));
        }
        text.append(piece);
        sink.onText(piece, tokenId, kind);
    }

    /** {@inheritDoc} */
    @Override
    public void onDraft(int row, long[] draft) {
        sink.onDraft(draft);
    }

    /** {@inheritDoc} */
    @Override
    public boolean stopRequested(int row) {
        return stops.matched();
    }

    /**
     * Ends the text: returns what was still held back (an incomplete character, the start of a stop
     * string that never completed). Idempotent.
     *
     * @return the last piece of text, possibly empty
     */
    public String finish() {
        if (finished) {
            return "";
        }
        finished = true;
        String tail = decoder == null || stops.matched() ? "" : stops.push(decoder.flush());
        tail += stops.flush();
        text.append(tail);
        return tail;
    }

    /**
     * Returns the text shown so far (all of it after {@link #finish()}).
     *
     * @return the text
     */
    public String text() {
        return text.toString();
    }

    /**
     * Returns whether a stop string ended the sequence.
     *
     * @return true after a match
     */
    public boolean stopped() {
        return stops.matched();
    }
}
