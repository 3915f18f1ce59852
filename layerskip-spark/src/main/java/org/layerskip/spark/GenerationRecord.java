package org.layerskip.spark;

import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;

/**
 * What one row gets back: the generated text and ids, why generation stopped, how many tokens were
 * made, the draft acceptance rate (self-speculative rows only), or an error message instead of all
 * of these.
 *
 * @param text the generated text (special tokens skipped), null on error
 * @param tokenIds the generated ids, null on error
 * @param finishReason {@code eos} or {@code length}, null on error
 * @param numGenerated the number of generated tokens, null on error
 * @param acceptanceRate accepted / drafted tokens for self-speculative rows, else null
 * @param error why the row could not be generated, null when fine
 */
public record GenerationRecord(
        String text,
        long[] tokenIds,
        String finishReason,
        Integer numGenerated,
        Double acceptanceRate,
        String error) {

    /**
     * Returns a failed row.
     *
     * @param error one line saying why
     * @return the record
     */
    public static GenerationRecord failed(String error) {
        return new GenerationRecord(null, null, null, null, null, error);
    }

    /**
     * Returns a generated row.
     *
     * @param r the library's result
     * @param text the decoded text
     * @return the record
     */
    public static GenerationRecord of(GenerationResult r, String text) {
        SpeculationStats s = r.speculation();
        return new GenerationRecord(
                text,
                r.tokenIds().clone(),
                r.finishReason().jsonName(),
                r.numGenerated(),
                s == null ? null : s.acceptanceRate(),
                null);
    }
}
