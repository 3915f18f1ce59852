package org.layerskip.train;

/**
 * The run section of a {@link LayerSkipTrainingConfig}: how long, on what batches, with which seed.
 *
 * @param steps T, the number of optimizer steps
 * @param batchSize B, rows per micro-batch
 * @param seqLen T_seq, tokens the model reads per row (windows hold T_seq + 1 tokens)
 * @param accumulation micro-batches per optimizer step
 * @param seed the run seed (init, data order, dropout masks)
 */
public record RunConfig(int steps, int batchSize, int seqLen, int accumulation, long seed) {

    /** Validates the fields. */
    public RunConfig {
        Checks.require(
                steps >= 1 && batchSize >= 1 && seqLen >= 2 && accumulation >= 1, "sizes >= 1");
    }
}
