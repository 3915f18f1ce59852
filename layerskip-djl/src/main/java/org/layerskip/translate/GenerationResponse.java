package org.layerskip.translate;

import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;

/**
 * What {@link GenerationRequestTranslator} returns.
 *
 * @param text the generated text (special tokens skipped; see {@link TextGenerationTranslator} for
 *     ids outside the tokenizer's vocabulary)
 * @param result token ids, finish reason, strategy, E, d, timings and speculation statistics
 */
public record GenerationResponse(String text, GenerationResult result) {

    /**
     * Returns the generated ids.
     *
     * @return the ids (EOS included when produced)
     */
    public long[] tokenIds() {
        return result.tokenIds();
    }

    /**
     * Returns why generation stopped.
     *
     * @return the finish reason
     */
    public FinishReason finishReason() {
        return result.finishReason();
    }

    /**
     * Returns the self-speculation statistics.
     *
     * @return drafted/accepted/verification counts, or null unless self-speculative
     */
    public SpeculationStats speculation() {
        return result.speculation();
    }
}
