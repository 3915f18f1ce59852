package org.layerskip.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.CheckpointException;
import org.layerskip.nn.LlamaModel;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Tampered training checkpoints (issue #15): before manifests, an {@code optimizer.bin} truncated
 * to 0 bytes resumed with a reset optimizer and a {@code state.json} with step 10^12 "resumed"
 * without training. Now the newest checkpoint is verified as a whole; a damaged one is rejected
 * with a message naming the file, and only {@code resume(true)} falls back to the previous one,
 * which then continues exactly like an uninterrupted run.
 */
public class DamagedCheckpointTest {

    private static final int LAYERS = 2;

    private Path root;
    private Path pristine;
    private double[] uninterrupted;

    private static LayerSkipTrainingConfig config() {
        return LayerSkipTrainingConfig.builder()
                .optMaxDropRate(0.2)
                .optLearningRate(1e-2f)
                .optSteps(12)
                .optBatchSize(4)
                .optSeqLen(12)
                .optSeed(3)
                .optCheckpointEvery(4)
                .optKeepCheckpoints(2)
                .build(LAYERS);
    }

    private static LayerSkipTrainer trainer(NDManager manager, Path checkpoints)
            throws IOException {
        LlamaModel model = TrainFixtures.trainable(manager, LAYERS, 7, DataType.FLOAT32);
        return new LayerSkipTrainer(
                model, config(), TrainFixtures.progressions(64, 13, 3), checkpoints);
    }

    @BeforeClass
    public void setUp() throws IOException {
        root = Files.createTempDirectory("damaged-checkpoints");
        pristine = root.resolve("pristine");
        try (NDManager m = NDManager.newBaseManager()) {
            uninterrupted = trainer(m, root.resolve("reference")).train(12, null).losses();
        }
        try (NDManager m = NDManager.newBaseManager()) {
            trainer(m, pristine).train(9, null); // checkpoints at steps 4 and 8
        }
        assertEquals(
                new TrainingCheckpoints(pristine, 2)
                        .latest()
                        .orElseThrow()
                        .getFileName()
                        .toString(),
                "step-000000008");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A fresh copy of the checkpoint folder; returns its newest checkpoint (step 8). */
    private Path copy(String name) throws IOException {
        Path target = root.resolve(name);
        try (Stream<Path> files = Files.walk(pristine)) {
            for (Path p : files.toList()) {
                Path t = target.resolve(pristine.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return target.resolve("step-000000008");
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void replaceInState(Path ck, String from, String to) throws IOException {
        Path state = ck.resolve("state.json");
        String s = Files.readString(state);
        assertTrue(s.contains(from), s);
        Files.writeString(state, s.replace(from, to));
    }

    /** Tampers with the newest checkpoint. */
    interface Damage {
        void apply(Path checkpoint) throws IOException;
    }

    @DataProvider
    public Object[][] damages() {
        return new Object[][] {
            {
                "optimizer.bin emptied",
                (Damage) ck -> truncate(ck.resolve("optimizer.bin"), 0),
                "optimizer.bin: 0 bytes, the manifest says"
            },
            {
                "optimizer.bin halved",
                (Damage)
                        ck ->
                                truncate(
                                        ck.resolve("optimizer.bin"),
                                        Files.size(ck.resolve("optimizer.bin")) / 2),
                "optimizer.bin: |bytes, the manifest says |(truncated or overwritten)"
            },
            {
                "absurd step",
                (Damage) ck -> replaceInState(ck, "\"step\":8", "\"step\":1000000000000"),
                "state.json: |bytes, the manifest says |(truncated or overwritten)"
            },
            {
                "step edited in place",
                (Damage) ck -> replaceInState(ck, "\"step\":8", "\"step\":9"),
                "state.json: its content differs from the manifest (SHA-256 "
            },
            {
                "weights byte flipped",
                (Damage)
                        ck -> {
                            Path w = ck.resolve("model/model.safetensors");
                            byte[] b = Files.readAllBytes(w);
                            b[b.length - 3] ^= 0x40;
                            Files.write(w, b);
                        },
                "model/model.safetensors: its content differs from the manifest"
            },
            {
                "file missing",
                (Damage) ck -> Files.delete(ck.resolve("model/config.json")),
                "model/config.json: no such file (the manifest lists it)"
            },
            {
                "file added",
                (Damage) ck -> Files.writeString(ck.resolve("model/extra.bin"), "x"),
                "model/extra.bin: not listed in the manifest COMPLETE"
            },
            {
                "manifest garbled",
                (Damage) ck -> Files.writeString(ck.resolve("COMPLETE"), "8"),
                "COMPLETE: not a checkpoint manifest (not a JSON object)"
            },
            // the manifest rewritten to match (a bug, or a deliberate edit): the contents are
            // still checked, each error naming its file
            {
                "state.json not JSON, resealed",
                (Damage)
                        ck -> {
                            Files.writeString(ck.resolve("state.json"), "{\"step\": 8,");
                            CheckpointManifest.write(ck, 8);
                        },
                "state.json: invalid (End of input at line 1 column 12 path $.step)"
            },
            {
                "absurd step, resealed",
                (Damage)
                        ck -> {
                            replaceInState(ck, "\"step\":8", "\"step\":1000000000000");
                            CheckpointManifest.write(ck, 8);
                        },
                "state.json: step 1000000000000 is not the checkpoint's step 8 in [0, 12]"
            },
            {
                "NaN learning rate, resealed",
                (Damage)
                        ck -> {
                            String s = Files.readString(ck.resolve("state.json"));
                            Files.writeString(
                                    ck.resolve("state.json"),
                                    s.replaceFirst(
                                            "\"learningRate\":[^,]*", "\"learningRate\":\"NaN\""));
                            CheckpointManifest.write(ck, 8);
                        },
                "state.json: invalid (learning rates must be positive)"
            },
            {
                "optimizer.bin truncated, resealed",
                (Damage)
                        ck -> {
                            truncate(
                                    ck.resolve("optimizer.bin"),
                                    Files.size(ck.resolve("optimizer.bin")) / 2);
                            CheckpointManifest.write(ck, 8);
                        },
                "optimizer.bin: not a valid optimizer state"
            },
        };
    }

    /** {@code fragment}: the parts of the message, separated by {@code |}. */
    @Test(dataProvider = "damages")
    public void damagedNewestCheckpointIsRejectedNamingTheFile(
            String what, Damage damage, String fragment) throws IOException {
        Path ck = copy("case-" + what.replace(' ', '-').replace(',', '_'));
        damage.apply(ck);
        try (NDManager m = NDManager.newBaseManager()) {
            LayerSkipTrainer t = trainer(m, ck.getParent());
            CheckpointException e = expectThrows(CheckpointException.class, t::resume);
            String msg = e.getMessage();
            assertTrue(msg.startsWith("cannot resume from " + ck + ": " + ck), msg);
            for (String f : fragment.split("\\|")) {
                assertTrue(msg.contains(f), what + ": " + msg);
            }
            assertTrue(
                    msg.endsWith("(allow falling back to the previous checkpoint to skip it)"),
                    msg);
            assertTrue(!msg.contains("\n"), msg);
        }
    }

    @Test
    public void fallbackOnRequestResumesFromThePreviousGoodCheckpointExactly() throws IOException {
        Path ck = copy("fallback");
        truncate(ck.resolve("optimizer.bin"), 0);
        try (NDManager m = NDManager.newBaseManager()) {
            LayerSkipTrainer t = trainer(m, ck.getParent());
            ResumePoint p = t.resume(true).orElseThrow();
            assertEquals(p.step(), 4);
            assertEquals(p.checkpoint(), ck.getParent().resolve("step-000000004"));
            assertEquals(p.skipped().size(), 1);
            assertTrue(
                    p.skipped().get(0).startsWith(ck.resolve("optimizer.bin") + ": 0 bytes"),
                    p.skipped().get(0));
            double[] tail = t.train(12, null).losses();
            assertEquals(tail.length, 8);
            for (int i = 0; i < tail.length; i++) {
                assertEquals(tail[i], uninterrupted[4 + i], 0.0, "step " + (4 + i));
            }
        }
    }

    @Test
    public void everyCheckpointDamagedIsAnErrorEvenWithFallback() throws IOException {
        Path ck = copy("all-damaged");
        for (String step : List.of("step-000000004", "step-000000008")) {
            Files.writeString(
                    ck.getParent().resolve(step).resolve("state.json"),
                    "{}",
                    StandardCharsets.UTF_8);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            LayerSkipTrainer t = trainer(m, ck.getParent());
            CheckpointException e = expectThrows(CheckpointException.class, () -> t.resume(true));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "cannot resume from "
                                            + ck.getParent()
                                            + ": every checkpoint is damaged; the newest: "
                                            + ck.resolve("state.json")
                                            + ": 2 bytes, the manifest says "),
                    e.getMessage());
        }
    }

    @Test
    public void intactCheckpointResumes() throws IOException {
        Path ck = copy("intact");
        try (NDManager m = NDManager.newBaseManager()) {
            LayerSkipTrainer t = trainer(m, ck.getParent());
            assertEquals(t.resume(), java.util.Optional.of(8L));
            double[] tail = t.train(12, null).losses();
            for (int i = 0; i < tail.length; i++) {
                assertEquals(tail[i], uninterrupted[8 + i], 0.0, "step " + (8 + i));
            }
        }
    }
}
