package org.layerskip.generate;

/**
 * A snapshot of a {@link ContinuousBatcher}'s counters (since it was created) and current load.
 *
 * @param waiting sequences queued, not yet in the batch
 * @param running sequences holding a row
 * @param maxBatch rows of the batch
 * @param submitted sequences accepted by {@code submit}
 * @param completed sequences that finished normally
 * @param cancelled sequences cancelled before they finished
 * @param failed sequences ended by an error
 * @param promptTokens prompt tokens prefilled
 * @param completionTokens tokens generated
 * @param drafted draft tokens proposed (self-speculative rows)
 * @param accepted draft tokens accepted
 * @param verifications self-speculative rounds, counted per row
 * @param rounds decode steps over the batch (each runs every decoding row once)
 * @param rowRounds the sum over decode steps of the rows they ran (mean occupancy = rowRounds /
 *     rounds)
 */
public record BatcherStats(
        int waiting,
        int running,
        int maxBatch,
        long submitted,
        long completed,
        long cancelled,
        long failed,
        long promptTokens,
        long completionTokens,
        long drafted,
        long accepted,
        long verifications,
        long rounds,
        long rowRounds) {

    /**
     * Returns the mean number of rows per decode step.
     *
     * @return rowRounds / rounds, 0 before the first step
     */
    public double meanOccupancy() {
        return rounds == 0 ? 0 : (double) rowRounds / rounds;
    }

    /**
     * Returns accepted / drafted.
     *
     * @return the acceptance rate, 0 if nothing was drafted
     */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }
}
