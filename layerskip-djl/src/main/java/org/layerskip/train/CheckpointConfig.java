package org.layerskip.train;

/**
 * The checkpointing section of a {@link LayerSkipTrainingConfig}. It does not change what is
 * trained, so a run may resume with other values ({@link LayerSkipTrainingConfig#sameRun}).
 *
 * @param every steps between checkpoints; 0 writes one at the end only
 * @param keep how many complete checkpoints to keep, at least 1
 */
public record CheckpointConfig(int every, int keep) {

    /** Validates the fields. */
    public CheckpointConfig {
        Checks.require(every >= 0 && keep >= 1, "checkpoint settings");
    }
}
