package org.layerskip.spark;

/**
 * What a {@code layerskip batch} run did.
 *
 * @param rows rows written
 * @param errors rows that got an error instead of a generation
 * @param generatedTokens tokens generated over all rows
 * @param seconds wall time from reading the input to the committed output (model loading included)
 */
public record BatchSummary(long rows, long errors, long generatedTokens, double seconds) {

    /**
     * Returns rows per second.
     *
     * @return rows / seconds
     */
    public double rowsPerSecond() {
        return seconds > 0 ? rows / seconds : 0;
    }

    /**
     * Returns generated tokens per second.
     *
     * @return tokens / seconds
     */
    public double tokensPerSecond() {
        return seconds > 0 ? generatedTokens / seconds : 0;
    }
}
