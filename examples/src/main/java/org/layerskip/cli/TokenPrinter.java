package org.layerskip.cli;

import org.layerskip.generate.TokenKind;
import org.layerskip.generate.TokenListener;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.tokenizer.StreamingDecoder;

import java.io.PrintWriter;

/**
 * Prints generated tokens as they arrive: text through a {@link StreamingDecoder} when there is a
 * tokenizer, space-separated ids otherwise.
 *
 * <p>With marking on, accepted draft tokens are set apart from verifier tokens, like the
 * reference's {@code SpeculativeTextStreamer}: green when colours are allowed, in {@code
 * [brackets]} otherwise. A fragment takes the kind of the token that completed it (a decoder may
 * hold text back while a multi-byte character is split across tokens).
 */
final class TokenPrinter implements TokenListener {

    static final String GREEN = "\u001b[32m";
    static final String RESET = "\u001b[0m";

    private final PrintWriter out;
    private final StreamingDecoder decoder;
    private final boolean mark;
    private final boolean colour;
    private boolean spanOpen;
    private boolean first = true;

    TokenPrinter(PrintWriter out, LlamaTokenizer tokenizer, boolean mark, boolean colour) {
        this.out = out;
        this.decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder();
        this.mark = mark;
        this.colour = colour;
    }

    /**
     * Returns whether ANSI colours may be used: a terminal and no {@code NO_COLOR}.
     *
     * @return true when colours are allowed
     */
    static boolean coloursAllowed() {
        String noColor = System.getenv("NO_COLOR");
        return System.console() != null && (noColor == null || noColor.isEmpty());
    }

    /**
     * Returns the legend for marked output.
     *
     * @param colour whether colours are used
     * @return one line
     */
    static String legend(boolean colour) {
        return colour
                ? "legend: "
                        + GREEN
                        + "green"
                        + RESET
                        + " = accepted draft tokens, default colour = verifier tokens"
                : "legend: [text] = accepted draft tokens, unmarked = verifier tokens";
    }

    @Override
    public void onToken(int row, long tokenId, TokenKind kind) {
        String fragment;
        if (decoder != null) {
            fragment = decoder.accept(tokenId);
        } else {
            fragment = (first ? "" : " ") + tokenId;
        }
        first = false;
        write(fragment, mark && kind == TokenKind.ACCEPTED);
    }

    /**
     * Prints text that was already decoded elsewhere (with stop strings cut), instead of feeding
     * tokens through {@link #onToken}.
     *
     * @param text the text
     * @param kind the kind of the token that completed it, or null
     */
    void printText(String text, TokenKind kind) {
        write(text, mark && (kind == null ? spanOpen : kind == TokenKind.ACCEPTED));
    }

    /** Writes the text the decoder still holds, closes any open span and ends the line. */
    void finish() {
        if (decoder != null) {
            write(decoder.flush(), spanOpen);
        }
        setSpan(false);
        out.println();
        out.flush();
    }

    private void write(String fragment, boolean accepted) {
        if (fragment.isEmpty()) {
            return;
        }
        if (decoder == null && accepted != spanOpen && !colour && fragment.startsWith(" ")) {
            // keep the separator outside the brackets: "1 [2 3] 4"
            out.print(' ');
            fragment = fragment.substring(1);
        }
        setSpan(accepted);
        out.print(fragment);
        out.flush();
    }

    private void setSpan(boolean open) {
        if (open == spanOpen) {
            return;
        }
        if (colour) {
            out.print(open ? GREEN : RESET);
        } else {
            out.print(open ? "[" : "]");
        }
        spanOpen = open;
    }
}
