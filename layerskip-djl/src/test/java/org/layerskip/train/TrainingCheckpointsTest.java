package org.layerskip.train;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class TrainingCheckpointsTest {

    @Test
    public void rewritingAStepAndPruningLeaveOnlyCompleteCheckpoints() throws IOException {
        Path root = Files.createTempDirectory("ls-ckpts");
        TrainingCheckpoints ck = new TrainingCheckpoints(root, 2);
        ck.write(2, dir -> Files.writeString(dir.resolve("weights"), "2"));
        ck.write(4, dir -> Files.writeString(dir.resolve("weights"), "4 first"));
        ck.write(4, dir -> Files.writeString(dir.resolve("weights"), "4 again"));
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000004"));
        Assert.assertEquals(Files.readString(root.resolve("step-000000004/weights")), "4 again");
        ck.write(6, dir -> Files.writeString(dir.resolve("weights"), "6"));
        Assert.assertEquals(
                ck.complete(),
                List.of(root.resolve("step-000000004"), root.resolve("step-000000006")));
        Assert.assertEquals(temporaries(root), List.of());
    }

    @Test
    public void aDeletionCutShortIsIgnoredAndCleanedUp() throws IOException {
        Path root = Files.createTempDirectory("ls-ckpts");
        TrainingCheckpoints ck = new TrainingCheckpoints(root, 2);
        ck.write(2, dir -> Files.writeString(dir.resolve("weights"), "2"));
        // what a kill during the deletion of step 8 leaves: the folder was renamed first, so its
        // marker survives only under a temporary name
        Path doomed = Files.createDirectories(root.resolve(".tmp-deleted-step-000000008-1"));
        Files.writeString(doomed.resolve(TrainingCheckpoints.MARKER), "8");
        Files.writeString(root.resolve("latest"), "step-000000008");
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000002"));
        ck.write(4, dir -> Files.writeString(dir.resolve("weights"), "4"));
        Assert.assertEquals(temporaries(root), List.of());
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000004"));
    }

    /** The temporary folders and files a killed write leaves in the checkpoint root. */
    static List<Path> temporaries(Path checkpoints) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpoints, ".tmp-*")) {
            ds.forEach(out::add);
        }
        return out;
    }
}
