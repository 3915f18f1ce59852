package org.layerskip.tokenizer;

/**
 * Runs a loaded {@code tokenizer.json}: in this JVM ({@link InProcessBackend}) or in the child
 * process ({@link IsolatedBackend}). Failures are {@link TokenizerException}s whose messages do not
 * yet name the file ({@link LlamaTokenizer} adds it).
 */
interface TokenizerBackend extends AutoCloseable {

    /**
     * Encodes text without special tokens and without truncation.
     *
     * @param text the text
     * @return the ids
     */
    long[] encode(String text);

    /**
     * Decodes ids (all already checked against the vocabulary).
     *
     * @param ids the ids
     * @param skipSpecialTokens whether to leave special tokens out
     * @return the text
     */
    String decode(long[] ids, boolean skipSpecialTokens);

    /** Releases the native tokenizer. */
    @Override
    void close();
}
