package org.layerskip.tokenizer;

import java.util.Locale;

/**
 * Where the native Hugging Face tokenizer runs. Its regular expressions (Oniguruma) backtrack, and
 * a regex that backtracks too much makes the native code panic, which aborts the whole JVM; a
 * {@code tokenizer.json} from the internet can carry such a regex (e.g. {@code (a+)+$} in a {@code
 * Replace} normalizer or a {@code Split} pre-tokenizer). Isolation keeps that from happening: a
 * native failure becomes a {@link TokenizerException}.
 *
 * <p>The default is {@link #AUTO}, or the value of the system property {@value #PROPERTY} ({@code
 * auto}, {@code child-process} or {@code in-process}).
 */
public enum TokenizerIsolation {

    /**
     * In this JVM when every regex in {@code tokenizer.json} is one known to run in linear time
     * (none at all, or the Llama 3 / GPT-4 and GPT-2 split patterns) and the text is at most {@link
     * LlamaTokenizer#MAX_IN_PROCESS_CHARS} characters; otherwise in a child process.
     */
    AUTO,

    /** Always in a child process (a child JVM shared by all isolated tokenizers). */
    CHILD_PROCESS,

    /**
     * Never in a child process: a {@code tokenizer.json} with any other regex, and a longer text,
     * are rejected with a {@link TokenizerException} instead.
     */
    IN_PROCESS;

    /** System property naming the default isolation. */
    public static final String PROPERTY = "layerskip.tokenizer.isolation";

    /**
     * Returns the isolation named by {@value #PROPERTY}, or {@link #AUTO} when it is not set.
     *
     * @return the default isolation
     * @throws IllegalArgumentException if the property has another value
     */
    public static TokenizerIsolation fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return AUTO;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "auto":
                return AUTO;
            case "child-process":
                return CHILD_PROCESS;
            case "in-process":
                return IN_PROCESS;
            default:
                throw new IllegalArgumentException(
                        "-D"
                                + PROPERTY
                                + " must be auto, child-process or in-process, got '"
                                + v
                                + "'");
        }
    }
}
