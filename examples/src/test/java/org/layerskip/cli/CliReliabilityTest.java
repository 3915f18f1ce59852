package org.layerskip.cli;

import static org.layerskip.cli.LayerSkipCliTest.cli;
import static org.layerskip.cli.LayerSkipCliTest.fixture;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.cli.LayerSkipCliTest.Run;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Hostile command lines from issue #15: huge ranges and thread counts, malformed id lists, results
 * that cannot be written, a tokenizer that does not fit the model or that would abort the native
 * code. Each ends in one {@code error:} line and a non-zero exit code, within a time limit.
 */
public class CliReliabilityTest {

    private Path model;
    private Path tokenizerMismatch;
    private Path hostileTokenizer;

    @BeforeClass
    public void setUp() throws IOException {
        model = fixture("tiny-f32");
        Path tiny =
                Path.of(System.getProperty("user.dir"))
                        .resolve("../layerskip-djl/src/test/resources/tokenizers/tiny");
        // tiny-f32 (vocab_size 256) with the 48-id test tokenizer
        tokenizerMismatch = copyModel("tokenizer-mismatch");
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(tiny.resolve(f), tokenizerMismatch.resolve(f));
        }
        // the same tokenizer grown to 256 ids, with a normalizer regex that backtracks
        // exponentially
        hostileTokenizer = copyModel("hostile-tokenizer");
        JsonObject t =
                JsonParser.parseString(Files.readString(tiny.resolve("tokenizer.json")))
                        .getAsJsonObject();
        JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
        for (int id = vocab.size(); id < 256; id++) {
            vocab.addProperty("w" + id, id);
        }
        t.add(
                "normalizer",
                JsonParser.parseString(
                        "{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(a+)+$\"}, \"content\": \"x\"}"));
        Files.writeString(hostileTokenizer.resolve("tokenizer.json"), t.toString());
        Files.copy(
                tiny.resolve("tokenizer_config.json"),
                hostileTokenizer.resolve("tokenizer_config.json"));
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        for (Path dir : new Path[] {tokenizerMismatch, hostileTokenizer}) {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    private Path copyModel(String name) throws IOException {
        Path dir = Files.createTempDirectory("layerskip-cli-" + name);
        try (Stream<Path> files = Files.list(model)) {
            for (Path p : files.collect(Collectors.toList())) {
                Files.copy(p, dir.resolve(p.getFileName().toString()));
            }
        }
        return dir;
    }

    @DataProvider
    public Object[][] hostileArguments() {
        String f = fixture("tiny-f32").toString();
        int cpus = Runtime.getRuntime().availableProcessors();
        String threads =
                "--threads must be in [1, " + cpus + "] (the processors available to this JVM)";
        return new Object[][] {
            // before: a loop that never ended (the range was expanded before it was checked)
            {
                2,
                "outside [1, 4] for this 4-layer model",
                new String[] {
                    "sweep", "--model", f, "--exit-layers", "1:2147483647", "--prompt-ids", "1"
                }
            },
            {
                2,
                "outside [1, 4]",
                new String[] {"sweep", "--model", f, "--exit-layers", "0:3", "--prompt-ids", "1"}
            },
            {
                2,
                "'99999999999' is not a layer number",
                new String[] {
                    "sweep", "--model", f, "--exit-layers", "1:99999999999", "--prompt-ids", "1"
                }
            },
            {
                2,
                "'1,' has an empty item",
                new String[] {"sweep", "--model", f, "--exit-layers", "1,", "--prompt-ids", "1"}
            },
            {
                2,
                "'1:' has an empty bound",
                new String[] {"sweep", "--model", f, "--exit-layers", "1:", "--prompt-ids", "1"}
            },
            // before: accepted (1,,2 was rejected)
            {
                2,
                "--prompt-ids: '1,2,' has an empty item at position 3",
                new String[] {"generate", "--model", f, "--prompt-ids", "1,2,"}
            },
            {
                2,
                "--prompt-ids: ',1' has an empty item at position 1",
                new String[] {"generate", "--model", f, "--prompt-ids", ",1"}
            },
            {
                2,
                "--prompt-ids: '1,2,' has an empty item at position 3",
                new String[] {"bench", "--model", f, "--prompt-ids", "1,2,"}
            },
            {
                2,
                "--prompt-ids: 'x' in '1,x' is not a token id",
                new String[] {"bench", "--model", f, "--prompt-ids", "1,x"}
            },
            // before: OpenMP printed "Out of memory allocating ..." and exited without error: line;
            // 1000 was accepted and ran 15x slower
            {
                2,
                threads + ", got 2147483647",
                new String[] {
                    "generate", "--model", f, "--prompt-ids", "1,2", "--threads", "2147483647"
                }
            },
            {
                2,
                threads + ", got 1000",
                new String[] {"bench", "--model", f, "--prompt-ids", "1,2", "--threads", "1000"}
            },
            {
                2,
                threads + ", got " + (cpus + 1),
                new String[] {"sweep", "--model", f, "--threads", String.valueOf(cpus + 1)}
            },
            {2, threads + ", got 0", new String[] {"eval-layers", "--threads", "0"}},
            {2, threads + ", got 1000", new String[] {"eval-layers", "--threads", "1000"}},
        };
    }

    @Test(groups = "slow", dataProvider = "hostileArguments", timeOut = 120_000)
    public void hostileArgumentIsOneErrorLine(int code, String fragment, String[] args) {
        LayerSkipCliTest.assertOneErrorLine(cli(args), code, fragment);
    }

    @Test(groups = "slow")
    public void threadCountWithinTheMachineIsAccepted() {
        Run r =
                cli(
                        "generate",
                        "--model",
                        model.toString(),
                        "--prompt-ids",
                        "1,2",
                        "--max-new-tokens",
                        "2",
                        "--threads",
                        "1",
                        "--json");
        Assert.assertEquals(r.code(), 0, r.err());
    }

    @Test(groups = "slow")
    public void tokenizerThatDoesNotFitTheModelIsRejectedBeforeGenerating() {
        // before: the run generated, then failed decoding ids the tokenizer does not have
        Run r =
                cli(
                        "generate",
                        "--model",
                        tokenizerMismatch.toString(),
                        "--prompt-ids",
                        "1,2",
                        "--max-new-tokens",
                        "8",
                        "--ignore-eos",
                        "--json");
        LayerSkipCliTest.assertOneErrorLine(
                r,
                1,
                tokenizerMismatch.resolve("tokenizer.json")
                        + ": the tokenizer has 48 token ids but the model's vocab_size is 256 (config.json):"
                        + " the model could generate ids the tokenizer cannot decode");
    }

    @Test(groups = "slow", timeOut = 120_000)
    public void tokenizerRegexThatWouldAbortTheJvmIsOneErrorLine() {
        // before: "fatal runtime error: failed to initiate panic", SIGABRT of the whole JVM
        Run r =
                cli(
                        "generate",
                        "--model",
                        hostileTokenizer.toString(),
                        "--prompt",
                        "a".repeat(40) + "b",
                        "--max-new-tokens",
                        "2",
                        "--json");
        LayerSkipCliTest.assertOneErrorLine(
                r,
                1,
                hostileTokenizer.resolve("tokenizer.json")
                        + ": the native tokenizer crashed while encoding a text of 41 characters");
        Assert.assertTrue(r.err().contains("retry-limit-in-match over"), r.err());
        Assert.assertTrue(r.err().contains("'(a+)+$' (normalizer.pattern)"), r.err());
        Run ok =
                cli(
                        "generate",
                        "--model",
                        hostileTokenizer.toString(),
                        "--prompt",
                        "the cat",
                        "--max-new-tokens",
                        "2",
                        "--ignore-eos",
                        "--json");
        Assert.assertEquals(ok.code(), 0, ok.err());
        Assert.assertEquals(ok.json().get("num_generated").getAsInt(), 2);
    }

    @Test(groups = "slow")
    public void failedWriteOfTheResultIsAnError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OutputStream full =
                new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("No space left on device");
                    }
                };
        int code;
        try (PrintStream out = ResultOutput.over(full);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code =
                    LayerSkipCli.run(
                            new String[] {
                                "generate",
                                "--model",
                                model.toString(),
                                "--prompt-ids",
                                "1,2",
                                "--max-new-tokens",
                                "2",
                                "--json"
                            },
                            out,
                            e);
        }
        Assert.assertEquals(code, 1);
        Assert.assertEquals(
                err.toString(StandardCharsets.UTF_8).strip(),
                "error: cannot write the output to standard output (No space left on device)");
    }

    /** Runs the real launcher class in a child JVM, as {@code scripts/layerskip} does. */
    private static Process startCli(ProcessBuilder.Redirect stdout, Path stderr, String... args)
            throws IOException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Dai.djl.offline=true",
                                "-Dai.djl.pytorch.num_threads=1",
                                "-cp",
                                System.getProperty("java.class.path"),
                                LayerSkipCli.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectOutput(stdout).redirectError(stderr.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    private static List<String> errorLines(Path stderr) throws IOException {
        return Files.readAllLines(stderr).stream()
                .filter(l -> l.startsWith("error:"))
                .collect(Collectors.toList());
    }

    @DataProvider
    public Object[][] unwritableStdout() {
        return new Object[][] {{"full"}, {"closed pipe"}};
    }

    @Test(groups = "slow", dataProvider = "unwritableStdout", timeOut = 180_000)
    public void resultToAFullDeviceOrAClosedPipeExitsOne(String how) throws Exception {
        // before: exit code 0 with nothing written
        Path stderr = Files.createTempFile("layerskip-cli", ".stderr");
        String[] args = {
            "generate",
            "--model",
            model.toString(),
            "--prompt-ids",
            "1,2",
            "--max-new-tokens",
            "2",
            "--json"
        };
        Process p;
        if (how.equals("full")) {
            p = startCli(ProcessBuilder.Redirect.to(new File("/dev/full")), stderr, args);
        } else {
            p = startCli(ProcessBuilder.Redirect.PIPE, stderr, args);
            p.getInputStream().close(); // nobody reads: the write gets EPIPE
        }
        Assert.assertTrue(p.waitFor(150, TimeUnit.SECONDS), "CLI did not finish");
        String why = how.equals("full") ? "No space left on device" : "Broken pipe";
        Assert.assertEquals(p.exitValue(), 1, Files.readString(stderr));
        Assert.assertEquals(
                errorLines(stderr),
                List.of("error: cannot write the output to standard output (" + why + ")"),
                Files.readString(stderr));
        Files.delete(stderr);
    }

    @Test(groups = "slow", timeOut = 180_000)
    public void resultToAFileExitsZero() throws Exception {
        Path stderr = Files.createTempFile("layerskip-cli", ".stderr");
        Path stdout = Files.createTempFile("layerskip-cli", ".json");
        Process p =
                startCli(
                        ProcessBuilder.Redirect.to(stdout.toFile()),
                        stderr,
                        "generate",
                        "--model",
                        model.toString(),
                        "--prompt-ids",
                        "1,2",
                        "--max-new-tokens",
                        "2",
                        "--json");
        Assert.assertTrue(p.waitFor(150, TimeUnit.SECONDS), "CLI did not finish");
        Assert.assertEquals(p.exitValue(), 0, Files.readString(stderr));
        Assert.assertEquals(
                JsonParser.parseString(Files.readString(stdout))
                        .getAsJsonObject()
                        .get("num_generated")
                        .getAsInt(),
                2);
        Assert.assertEquals(errorLines(stderr), List.of());
        Files.delete(stderr);
        Files.delete(stdout);
    }
}
