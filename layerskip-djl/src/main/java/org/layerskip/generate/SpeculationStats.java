package org.layerskip.generate;

/**
 * Self-speculative decoding statistics of one row.
 *
 * @param drafted draft tokens proposed
 * @param accepted draft tokens accepted by the verifier
 * @param verifications verification passes (rounds)
 * @param roundNanos time spent in rounds (drafting and verification together: the fused engine runs
 *     a whole round in one native call)
 */
public record SpeculationStats(long drafted, long accepted, long verifications, long roundNanos) {

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

    /**
     * Returns the mean number of tokens each round emits (accepted drafts plus the verifier's).
     *
     * @return (accepted + verifications) / verifications
     */
    public double tokensPerVerification() {
        return verifications == 0 ? 0 : (double) (accepted + verifications) / verifications;
    }
}
