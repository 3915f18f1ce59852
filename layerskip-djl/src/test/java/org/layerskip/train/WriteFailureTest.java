package org.layerskip.train;

import static org.layerskip.train.TrainingCheckpointsTest.temporaries;

import ai.djl.ndarray.NDManager;

import org.layerskip.io.HfLlama;
import org.layerskip.io.SafetensorsDtype;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Full disks and unwritable folders while training: each gives an exception with a one-line message
 * naming the path and the cause, leaves the previous checkpoint intact and loadable, leaves no
 * temporary folder behind, and leaves the JVM (and the trainer) usable.
 *
 * <p>A full disk is produced for real where no root is needed: {@code /dev/full} (ENOSPC) behind a
 * symbolic link, and {@code ulimit -f} in a child JVM, which makes the kernel refuse writes past a
 * size (EFBIG) in the middle of the trainer's own safetensors write. Unwritable folders are a
 * read-only folder (skipped as root, where permissions are not enforced) and a path under a regular
 * file (which fails for root too).
 */
public class WriteFailureTest {

    private static final Path DEV_FULL = Path.of("/dev/full");

    @Test
    public void fullDiskDuringCheckpointKeepsThePreviousOne() throws IOException {
        requireDevFull();
        Path root = Files.createTempDirectory("ls-full");
        TrainingCheckpoints ck = new TrainingCheckpoints(root, 2);
        ck.write(2, dir -> Files.writeString(dir.resolve("weights"), "good"));
        IOException e =
                Assert.expectThrows(
                        IOException.class,
                        () ->
                                ck.write(
                                        4,
                                        dir -> {
                                            Files.writeString(dir.resolve("config"), "{}");
                                            Path weights = dir.resolve("weights");
                                            Files.createSymbolicLink(weights, DEV_FULL);
                                            Files.writeString(weights, "new weights");
                                        }));
        Assertions.assertOneLineMessage(
                e, "cannot write checkpoint " + root.resolve("step-000000004"));
        Assertions.assertOneLineMessage(
                e, "No space left on device", "(earlier checkpoints are unchanged)");
        Assert.assertEquals(ck.latest().orElseThrow(), root.resolve("step-000000002"));
        Assert.assertEquals(Files.readString(root.resolve("step-000000002/weights")), "good");
        Assert.assertEquals(temporaries(root), List.of());
        Assert.assertFalse(Files.exists(root.resolve("step-000000004")));
    }

    @Test
    public void fileSizeLimitDuringTrainingKeepsThePreviousCheckpoint() throws Exception {
        boolean linux = System.getProperty("os.name").startsWith("Linux");
        if (!linux || !Files.exists(Path.of("/bin/sh"))) {
            throw new SkipException("needs Linux and /bin/sh for ulimit -f");
        }
        Path dir = Files.createTempDirectory("ls-fsize");
        Path root = dir.resolve("checkpoints");
        try (NDManager manager = NDManager.newBaseManager()) {
            KillableTraining.trainer(manager, root).train(2, null); // step-000000002
        }
        // model.safetensors is 101 KB: the child cannot finish writing it
        try (ChildJvm c =
                ChildJvm.start(
                        80,
                        root.toString(),
                        dir.resolve("metrics.jsonl").toString(),
                        "--expect-write-failure")) {
            Assert.assertEquals(c.await("RESUMED "), "2");
            String message = c.await("WRITE-FAILED ");
            Assert.assertTrue(
                    message.startsWith(
                            "cannot write checkpoint " + root.resolve("step-000000004") + ": "),
                    message);
            Assert.assertTrue(message.contains("model.safetensors: File too large"), message);
            Assert.assertTrue(message.endsWith("(earlier checkpoints are unchanged)"), message);
            // the trainer is still usable: it is at step 4 and restores step 2
            Assert.assertEquals(c.await("ALIVE "), "4 2");
            Assert.assertEquals(c.waitFor(), 3, c.report());
        }
        Assert.assertEquals(temporaries(root), List.of());
        Assert.assertFalse(Files.exists(root.resolve("step-000000004")));
        try (NDManager manager = NDManager.newBaseManager()) {
            Assert.assertEquals(KillableTraining.trainer(manager, root).resume().orElseThrow(), 2L);
        }
    }

    @Test
    public void readOnlyCheckpointFolderKeepsThePreviousCheckpoint() throws IOException {
        Path root = Files.createTempDirectory("ls-readonly");
        try (NDManager manager = NDManager.newBaseManager()) {
            LayerSkipTrainer trainer = KillableTraining.trainer(manager, root);
            trainer.train(2, null);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                if (Files.isWritable(root)) {
                    throw new SkipException("running as root: folder permissions are not enforced");
                }
                IOException e =
                        Assert.expectThrows(IOException.class, () -> trainer.train(4, null));
                Assertions.assertOneLineMessage(
                        e,
                        "cannot write checkpoint " + root.resolve("step-000000004") + ": " + root,
                        "permission denied",
                        "(earlier checkpoints are unchanged)");
                Assert.assertEquals(trainer.getStep(), 4);
            } finally {
                Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Assert.assertEquals(temporaries(root), List.of());
            Assert.assertEquals(trainer.resume().orElseThrow(), 2L);
        }
    }

    @Test
    public void foldersUnderARegularFileGiveOneLineErrors() throws IOException {
        Path file = Files.createTempFile("ls-not-a-dir", ".txt");
        Path below = file.resolve("out");
        try (NDManager manager = NDManager.newBaseManager()) {
            IOException e =
                    Assert.expectThrows(
                            IOException.class, () -> KillableTraining.trainer(manager, below));
            Assertions.assertOneLineMessage(
                    e, "cannot create checkpoint folder " + below + ": ", "Not a directory");

            LayerSkipTrainer trainer = KillableTraining.trainer(manager, null);
            e =
                    Assert.expectThrows(
                            IOException.class,
                            () ->
                                    HfLlama.save(
                                            trainer.getModel(),
                                            below,
                                            SafetensorsDtype.F32,
                                            Long.MAX_VALUE));
            Assertions.assertOneLineMessage(
                    e, "cannot save model to " + below + ": ", "Not a directory");

            e = Assert.expectThrows(IOException.class, () -> new MetricsLog(below.resolve("m")));
            Assertions.assertOneLineMessage(
                    e, "cannot open metrics log " + below.resolve("m") + ": ", "Not a directory");
            // the JVM and the engine carry on
            Assert.assertEquals(trainer.getModel().numLayers(), 2);
        }
    }

    @Test
    public void fullDiskForTheMetricsLogIsOneLine() throws IOException {
        requireDevFull();
        Path log = Files.createTempDirectory("ls-metrics").resolve("metrics.jsonl");
        Files.createSymbolicLink(log, DEV_FULL);
        try (NDManager manager = NDManager.newBaseManager();
                MetricsLog metrics = new MetricsLog(log)) {
            LayerSkipTrainer trainer = KillableTraining.trainer(manager, null);
            UncheckedIOException e =
                    Assert.expectThrows(
                            UncheckedIOException.class, () -> trainer.train(1, metrics));
            Assertions.assertOneLineMessage(
                    e.getCause(),
                    "cannot append to metrics log " + log + ": ",
                    "No space left on device");
            Assert.assertEquals(trainer.getStep(), 1); // the step itself completed
        } catch (IOException closing) {
            // closing flushes into the full disk again
            Assertions.assertOneLineMessage(closing, "No space left on device");
        }
    }

    @Test
    public void reopeningTheMetricsLogDropsAnIncompleteLastLine() throws IOException {
        Path log = Files.createTempDirectory("ls-torn").resolve("metrics.jsonl");
        String torn = "{\"step\":0,\"loss\":1.5}\n{\"step\":1,\"lo";
        Files.writeString(log, torn, StandardCharsets.UTF_8);
        try (MetricsLog metrics = new MetricsLog(log)) {
            metrics.onCheckpoint(1, log.getParent());
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Assert.assertEquals(lines.size(), 2, lines.toString());
        Assert.assertEquals(lines.get(0), "{\"step\":0,\"loss\":1.5}");
        Assert.assertTrue(
                lines.get(1).startsWith("{\"step\":1,\"event\":\"checkpoint\""), lines.get(1));
        // a log that is one torn line is emptied
        Files.writeString(log, "{\"step\":0,", StandardCharsets.UTF_8);
        new MetricsLog(log).close();
        Assert.assertEquals(Files.size(log), 0);
    }

    private static void requireDevFull() {
        if (!Files.isWritable(DEV_FULL)) {
            throw new SkipException("needs /dev/full");
        }
    }
}
