package org.layerskip.tokenizer;

/**
 * A tokenizer file is missing, unreadable or malformed, or the native tokenizer rejected it. The
 * message names the file at fault.
 */
public class TokenizerException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a one-line message naming the file at fault.
     *
     * @param message what is wrong
     */
    public TokenizerException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong
     * @param cause the underlying error
     */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
