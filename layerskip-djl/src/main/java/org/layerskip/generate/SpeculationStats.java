package org.layerskip.generate;

/**
 * Self-speculative decoding statistics of one row.
 *
 * @param drafted draft tokens proposed
 * @param accepted draft tokens accepted by the verifier
 * @param verifications verification passes
 * @param draftNanos time spent drafting
 * @param verifyNanos time spent verifying
 */
public record SpeculationStats(
        long drafted, long accepted, long verifications, long draftNanos, long verifyNanos) {

    /**
     * Returns accepted / drafted.
     *
     * @return the acceptance rate in [0, 1], 0 if nothing was drafted
     */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    /**
     * Returns the mean number of draft tokens accepted per verification pass.
     *
     * @return accepted / verifications
     */
    public double meanAcceptedPerVerification() {
        return verifications == 0 ? 0 : (double) accepted / verifications;
    }
}
