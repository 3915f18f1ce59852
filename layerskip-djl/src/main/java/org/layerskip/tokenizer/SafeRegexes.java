package org.layerskip.tokenizer;

import java.util.Set;

/**
 * The regular expressions that {@link TokenizerIsolation#AUTO} lets the native tokenizer run in
 * this JVM: the split patterns of widely used byte-level BPE tokenizers. Each is an alternation of
 * branches that consume a run of one character class with at most a bounded look-around, so
 * Oniguruma's backtracking per match attempt is linear in the length of the run. A run must reach
 * Oniguruma's retry limit (10,000,000 per attempt) to make the native code panic; measured with the
 * Llama 3 pattern: 8,000,000 spaces encode, 10,000,000 abort the JVM. That is why in-process texts
 * are also bounded ({@link LlamaTokenizer#MAX_IN_PROCESS_CHARS}). {@code SafeRegexesTest} encodes
 * long adversarial runs with each pattern.
 *
 * <p>Every other regex is treated as unsafe: telling in general whether a backtracking regex is
 * safe is the open problem of ReDoS detection, and a wrong guess would abort the JVM.
 */
final class SafeRegexes {

    /** Llama 3, GPT-4 (cl100k): letters, up to 3 digits, punctuation, newlines, spaces. */
    static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
                    + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Qwen 2: as Llama 3 with single digits. */
    static final String QWEN2 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
                    + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** GPT-2 (what the ByteLevel pre-tokenizer runs built in), written as a Split pattern. */
    static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static final Set<String> SAFE = Set.of(LLAMA3, QWEN2, GPT2);

    private SafeRegexes() {}

    /**
     * Returns whether a regex is one of the known linear-time patterns.
     *
     * @param pattern the pattern as written in {@code tokenizer.json} (JSON-decoded)
     * @return true if it may run in this JVM
     */
    static boolean isSafe(String pattern) {
        return SAFE.contains(pattern);
    }
}
