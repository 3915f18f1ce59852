package org.layerskip.examples;

import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The training example reports unwritable output as one {@code error:} line (exit code 1) and keeps
 * the checkpoints it wrote, so running it again resumes.
 */
public class TrainTinyModelErrorsTest {

    private Path tokenizer;
    private Path notADirectory;

    @BeforeClass
    public void setUp() throws IOException {
        tokenizer = Files.createTempDirectory("layerskip-train-tok");
        Path bundled =
                Paths.get(System.getProperty("user.dir"))
                        .resolve("../model-zoo/src/main/resources/org/layerskip/zoo/models")
                        .resolve("tiny-layerskip"); // byte-level BPE: round-trips any text
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(bundled.resolve(f), tokenizer.resolve(f));
        }
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            corpus.append("def f").append(i).append("(x):\n    return x * ").append(i).append('\n');
        }
        Path train = Files.writeString(tokenizer.resolve("corpus.py"), corpus);
        Files.writeString(tokenizer.resolve("train-files.txt"), train + "\n");
        Files.writeString(tokenizer.resolve("heldout.txt"), corpus.substring(0, 2000));
        notADirectory = Files.writeString(tokenizer.resolve("a-file"), "not a folder");
    }

    private String[] args(Path out, Path work) {
        return new String[] {
            "--tokenizer",
            tokenizer.toString(),
            "--out",
            out.toString(),
            "--work",
            work.toString(),
            "--layers",
            "2",
            "--hidden",
            "32",
            "--intermediate",
            "64",
            "--heads",
            "4",
            "--kv-heads",
            "2",
            "--seq-len",
            "16",
            "--steps",
            "3",
            "--batch",
            "2",
            "--warmup",
            "1",
            "--checkpoint-every",
            "1",
            "--save-dtype",
            "F32",
            "--no-progress"
        };
    }

    private static String[] run(String[] args, int expectedCode) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                TrainTinyModel.run(
                        args,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String errText = err.toString(StandardCharsets.UTF_8);
        Assert.assertEquals(code, expectedCode, errText);
        return errText.lines().filter(l -> l.startsWith("error: ")).toArray(String[]::new);
    }

    @Test
    public void unwritableWorkFolderIsOneErrorLine() {
        Path work = notADirectory.resolve("work");
        String[] errors = run(args(tokenizer.resolve("out"), work), 1);
        Assert.assertEquals(errors.length, 1);
        Assert.assertTrue(
                errors[0].startsWith("error: cannot open metrics log " + work), errors[0]);
        Assert.assertTrue(errors[0].endsWith("Not a directory"), errors[0]);
    }

    @Test
    public void unwritableOutputFolderKeepsTheCheckpointsAndResumes() throws IOException {
        Path work = Files.createTempDirectory("layerskip-train-work");
        Path badOut = notADirectory.resolve("model");
        String[] errors = run(args(badOut, work), 1);
        Assert.assertEquals(errors.length, 1);
        Assert.assertEquals(
                errors[0], "error: cannot save model to " + badOut + ": Not a directory");
        Assert.assertTrue(Files.isRegularFile(work.resolve("checkpoints/step-000000003/COMPLETE")));
        // the same command with a writable --out resumes at step 3 and only saves
        Path out = work.resolve("model");
        run(args(out, work), 0);
        Assert.assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        long trained =
                Files.readAllLines(work.resolve("metrics.jsonl")).stream()
                        .filter(l -> !l.contains("\"event\""))
                        .count();
        Assert.assertEquals(trained, 3); // no step ran twice
    }

    @Test
    public void damagedCheckpointIsAnErrorUnlessFallingBackIsAsked() throws IOException {
        Path work = Files.createTempDirectory("layerskip-train-damaged");
        Path out = work.resolve("model");
        run(args(out, work), 0); // checkpoints at steps 2 and 3
        Path optimizer = work.resolve("checkpoints/step-000000003/optimizer.bin");
        Files.write(optimizer, new byte[0]); // before manifests: resumed with a reset optimizer
        String[] errors = run(args(out, work), 1);
        Assert.assertEquals(errors.length, 1);
        Assert.assertTrue(
                errors[0].startsWith(
                        "error: cannot resume from "
                                + work.resolve("checkpoints/step-000000003")
                                + ": "
                                + optimizer
                                + ": 0 bytes, the"
                                + " manifest says "),
                errors[0]);
        String[] withFallback = new String[args(out, work).length + 1];
        System.arraycopy(args(out, work), 0, withFallback, 0, withFallback.length - 1);
        withFallback[withFallback.length - 1] = "--resume-fallback";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream systemErr = System.err;
        int code;
        System.setErr(errStream); // the example reports progress and resumption on System.err
        try {
            code =
                    TrainTinyModel.run(
                            withFallback,
                            new PrintStream(
                                    new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                            errStream);
        } finally {
            System.setErr(systemErr);
        }
        String errText = err.toString(StandardCharsets.UTF_8);
        Assert.assertEquals(code, 0, errText);
        Assert.assertTrue(
                errText.contains("warning: skipped damaged checkpoint: " + optimizer + ": 0 bytes"),
                errText);
        Assert.assertTrue(errText.contains("resumed from step 2"), errText);
        try (java.util.stream.Stream<Path> files = Files.walk(work)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
