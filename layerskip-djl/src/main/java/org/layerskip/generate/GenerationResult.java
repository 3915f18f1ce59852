package org.layerskip.generate;

import org.layerskip.engine.EngineKind;

/**
 * The outcome of generating for one prompt.
 *
 * @param tokenIds generated ids only (EOS included when produced)
 * @param finishReason why it stopped
 * @param strategy the strategy used
 * @param exitLayer E used (L for autoregressive)
 * @param numSpeculations d used (0 unless self-speculative)
 * @param promptTokens prompt length
 * @param prefillNanos time to process the prompt and produce the first token
 * @param decodeNanos time for the remaining tokens
 * @param speculation self-speculation statistics, or null
 * @param kvCacheBytes native bytes of the request's KV caches (for the whole batch), 0 if unknown
 * @param engine the decode engine that ran the request (after any fallback), or null if unknown
 */
public record GenerationResult(
        long[] tokenIds,
        FinishReason finishReason,
        DecodingStrategy strategy,
        int exitLayer,
        int numSpeculations,
        int promptTokens,
        long prefillNanos,
        long decodeNanos,
        SpeculationStats speculation,
        long kvCacheBytes,
        EngineKind engine) {

    /**
     * Creates a result without a KV-cache size.
     *
     * @param tokenIds generated ids
     * @param finishReason why it stopped
     * @param strategy the strategy
     * @param exitLayer E
     * @param numSpeculations d
     * @param promptTokens prompt length
     * @param prefillNanos prefill time
     * @param decodeNanos decode time
     * @param speculation statistics or null
     */
    public GenerationResult(
            long[] tokenIds,
            FinishReason finishReason,
            DecodingStrategy strategy,
            int exitLayer,
            int numSpeculations,
            int promptTokens,
            long prefillNanos,
            long decodeNanos,
            SpeculationStats speculation) {
        this(
                tokenIds,
                finishReason,
                strategy,
                exitLayer,
                numSpeculations,
                promptTokens,
                prefillNanos,
                decodeNanos,
                speculation,
                0,
                null);
    }

    /**
     * Returns the number of generated tokens.
     *
     * @return the count
     */
    public int numGenerated() {
        return tokenIds.length;
    }

    /**
     * Returns total wall time in milliseconds.
     *
     * @return prefill + decode, ms
     */
    public double timeMs() {
        return (prefillNanos + decodeNanos) / 1e6;
    }

    /**
     * Returns decode-phase throughput: tokens after the first, per second of decode time.
     *
     * @return tokens/s, or 0 if fewer than two tokens were generated
     */
    public double tokensPerSecond() {
        if (tokenIds.length < 2 || decodeNanos == 0) {
            return 0;
        }
        return (tokenIds.length - 1) / (decodeNanos / 1e9);
    }

    /**
     * Returns prompt tokens per second of prefill (prefill includes the first token's head).
     *
     * @return tokens/s
     */
    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
    }
}
