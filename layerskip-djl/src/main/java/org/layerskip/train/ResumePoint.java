package org.layerskip.train;

import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link LayerSkipTrainer#resume(boolean)} resumed.
 *
 * @param step the restored step (completed optimizer steps)
 * @param checkpoint the checkpoint folder it came from
 * @param skipped one line per newer checkpoint that was damaged and skipped (naming the file at
 *     fault); empty unless falling back was allowed
 */
public record ResumePoint(long step, Path checkpoint, List<String> skipped) {

    /**
     * Creates a resume point.
     *
     * @param step the restored step
     * @param checkpoint the checkpoint folder
     * @param skipped the damaged checkpoints skipped, newest first
     */
    public ResumePoint {
        skipped = List.copyOf(skipped);
    }
}
