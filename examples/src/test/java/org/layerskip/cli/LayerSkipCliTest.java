package org.layerskip.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Runs the CLI in-process on the tiny fixtures: outputs, golden tokens, errors and exit codes. */
public class LayerSkipCliTest {

    /** Exit code and captured streams of one run. */
    record Run(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out)
                    .getAsJsonObject(); // fails unless stdout is ONE object
        }
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = LayerSkipCli.run(args, o, e);
        }
        return new Run(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path fixture(String name) {
        return Path.of(System.getProperty("layerskip.fixtures", ".cache/fixtures")).resolve(name);
    }

    static JsonObject golden(String name) throws IOException {
        return JsonParser.parseString(Files.readString(fixture(name).resolve("golden.json")))
                .getAsJsonObject();
    }

    static String ids(JsonArray a) {
        return Stream.of(a.asList().toArray())
                .map(Object::toString)
                .collect(Collectors.joining(","));
    }

    private static Run generateGolden(String name, String... extra) throws IOException {
        JsonObject g = golden(name);
        String[] base = {
            "generate",
            "--model",
            fixture(name).toString(),
            "--prompt-ids",
            ids(g.getAsJsonArray("prompt_ids")),
            "--max-new-tokens",
            "20",
            "--ignore-eos",
            "--json"
        };
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        Run r = cli(args);
        Assert.assertEquals(r.code(), 0, r.err());
        return r;
    }

    @DataProvider
    public Object[][] goldenRuns() {
        return new Object[][] {
            {"tiny-f32", "4", new String[] {"--strategy", "autoregressive"}},
            {"tiny-f32", "4", new String[] {"--strategy", "self-speculative"}},
            {"tiny-f32", "4", new String[] {"--exit-layer", "3", "--num-speculations", "2"}},
            {"tiny-f32", "2", new String[] {"--strategy", "early-exit", "--exit-layer", "2"}},
            {"tiny-bf16-sharded", "6", new String[] {"--strategy", "autoregressive"}},
            {
                "tiny-bf16-sharded",
                "6",
                new String[] {"--exit-layer", "2", "--num-speculations", "3"}
            },
        };
    }

    @Test(dataProvider = "goldenRuns")
    public void jsonTokensMatchGolden(String name, String exit, String[] extra) throws IOException {
        Run r = generateGolden(name, extra);
        JsonObject o = r.json();
        Assert.assertEquals(
                ids(o.getAsJsonArray("token_ids")),
                ids(golden(name).getAsJsonObject("greedy").getAsJsonArray(exit)));
        Assert.assertEquals(o.get("num_generated").getAsInt(), 20);
        Assert.assertEquals(o.get("finish_reason").getAsString(), "length");
        Assert.assertTrue(o.get("text").isJsonNull(), "no tokenizer in the fixture");
        Assert.assertEquals(o.get("prompt_tokens").getAsInt(), 7);
        Assert.assertTrue(o.get("time_ms").getAsDouble() > 0);
        Assert.assertTrue(o.has("tokens_per_second"));
        boolean selfSpec = o.get("strategy").getAsString().equals("self-speculative");
        for (String k :
                List.of(
                        "num_speculations",
                        "acceptance_rate",
                        "mean_accepted_per_verification",
                        "tokens_per_verification",
                        "round_ms")) {
            Assert.assertEquals(o.has(k), selfSpec, k);
        }
        if (Stream.of(extra).anyMatch("early-exit"::equals)) {
            Assert.assertEquals(o.get("exit_layer").getAsInt(), 2);
        }
    }

    @Test
    public void stopsAtEosUnlessIgnored() throws IOException {
        JsonObject g =
                golden("tiny-bf16-sharded"); // greedy at full depth emits EOS (id 3) at step 6
        Run r =
                cli(
                        "generate",
                        "--model",
                        fixture("tiny-bf16-sharded").toString(),
                        "--prompt-ids",
                        ids(g.getAsJsonArray("prompt_ids")),
                        "--max-new-tokens",
                        "20",
                        "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        Assert.assertEquals(r.json().get("finish_reason").getAsString(), "eos");
        Assert.assertEquals(r.json().get("num_generated").getAsInt(), 7);
    }

    @Test
    public void streamMarksAcceptedDraftsWithBracketsWithoutTerminal() throws IOException {
        JsonObject g = golden("tiny-f32");
        Run r =
                cli(
                        "generate",
                        "--model",
                        fixture("tiny-f32").toString(),
                        "--prompt-ids",
                        ids(g.getAsJsonArray("prompt_ids")),
                        "--max-new-tokens",
                        "20",
                        "--ignore-eos",
                        "--exit-layer",
                        "3",
                        "--stream");
        Assert.assertEquals(r.code(), 0, r.err());
        Assert.assertTrue(r.out().contains("["), r.out());
        Assert.assertFalse(r.out().contains("\u001b"), "no colours without a terminal");
        String plain = r.out().replace("[", "").replace("]", "").trim().replace(' ', ',');
        Assert.assertEquals(plain, ids(g.getAsJsonObject("greedy").getAsJsonArray("4")));
        Assert.assertTrue(r.err().contains("legend"), r.err());
    }

    @DataProvider
    public Object[][] badInputs() {
        String f = fixture("tiny-f32").toString();
        return new Object[][] {
            {
                1,
                new String[] {"generate", "--model", f, "--prompt-ids", "1,2", "--exit-layer", "0"}
            },
            {
                1,
                new String[] {"generate", "--model", f, "--prompt-ids", "1,2", "--exit-layer", "4"}
            },
            {1, new String[] {"generate", "--model", f, "--prompt-ids", "1,256"}},
            {1, new String[] {"generate", "--model", f + "/missing", "--prompt-ids", "1,2"}},
            {1, new String[] {"generate", "--prompt-ids", "1,999999"}}, // default model, id > vocab
            {1, new String[] {"generate", "--model", "no-such-zoo-id", "--prompt-ids", "1,2"}},
            {1, new String[] {"generate", "--model", f, "--prompt", "hello"}}, // no tokenizer.json
            {2, new String[] {"generate", "--model", f, "--prompt-ids", "1,2", "--prompt", "x"}},
            {2, new String[] {"generate", "--model", f}},
            {2, new String[] {"generate", "--model", f, "--prompt-ids", "1,2", "--top-p", "1.5"}},
            {
                2,
                new String[] {
                    "generate", "--model", f, "--prompt-ids", "1,2", "--temperature", "-1"
                }
            },
            {
                2,
                new String[] {
                    "generate", "--model", f, "--prompt-ids", "1,2", "--temperature", "NaN"
                }
            },
            {
                2,
                new String[] {
                    "generate", "--model", f, "--prompt-ids", "1,2", "--num-speculations", "0"
                }
            },
            {
                2,
                new String[] {
                    "generate", "--model", f, "--prompt-ids", "1,2", "--max-new-tokens", "0"
                }
            },
            {2, new String[] {"generate", "--model", f, "--prompt-ids", "1,x"}},
            {2, new String[] {"generate", "--model", f, "--prompt-ids", "1", "--strategy", "beam"}},
            {2, new String[] {"generate", "--nope"}},
            {2, new String[] {"sweep", "--model", f, "--exit-layers", "1:x"}},
            {1, new String[] {"sweep", "--model", f, "--exit-layers", "1:L", "--prompt-ids", "1"}},
        };
    }

    @Test(dataProvider = "badInputs")
    public void badInputIsOneLineAndExitCode(int code, String[] args) {
        assertOneErrorLine(cli(args), code);
    }

    /**
     * Asserts the CLI failed with {@code code}, nothing on stdout and one {@code error:} line that
     * contains every part.
     */
    static void assertOneErrorLine(Run r, int code, String... parts) {
        Assert.assertEquals(r.code(), code, r.err());
        Assert.assertEquals(r.out(), "");
        Assertions.assertOneErrorLine(r.err(), parts);
    }

    @Test
    public void zooIdWhoseRecommendedExitLayerDoesNotFitUsesTheLibraryDefault() throws IOException {
        // The same rule as Criteria loading (LayerSkipZooTest): the entry's E = 4 does not fit the
        // 4-layer model found under its id, so E = L/4 = 1.
        Path models = Files.createTempDirectory("cli-models");
        Path dir = Files.createDirectories(models.resolve("layerskip-llama3.2-1B"));
        try (Stream<Path> files = Files.list(fixture("tiny-f32"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().equals("golden.json")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        String old = System.getProperty("layerskip.models");
        System.setProperty("layerskip.models", models.toString());
        try {
            Run r =
                    cli(
                            "generate",
                            "--model",
                            "layerskip-llama3.2-1B",
                            "--prompt-ids",
                            "1,5,9",
                            "--max-new-tokens",
                            "4",
                            "--json");
            Assert.assertEquals(r.code(), 0, r.err());
            Assert.assertEquals(r.json().get("exit_layer").getAsInt(), 1, r.out());
            // a recorded E that fits is the default: the bundled model's layerskip.json says E = 5
            Run recorded =
                    cli(
                            "generate",
                            "--model",
                            "tiny-layerskip",
                            "--prompt-ids",
                            "1,5,9",
                            "--max-new-tokens",
                            "4",
                            "--json");
            Assert.assertEquals(recorded.code(), 0, recorded.err());
            Assert.assertEquals(recorded.json().get("exit_layer").getAsInt(), 5, recorded.out());
        } finally {
            if (old == null) {
                System.clearProperty("layerskip.models");
            } else {
                System.setProperty("layerskip.models", old);
            }
        }
    }

    @Test
    public void defaultModelIsTheBundledLayerSkipModel() {
        Run r = cli("generate", "--prompt", "def f(x):", "--max-new-tokens", "8", "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        JsonObject o = r.json();
        Assert.assertEquals(o.get("strategy").getAsString(), "self-speculative");
        Assert.assertTrue(o.get("num_generated").getAsInt() >= 1);
        Assert.assertTrue(o.get("text").getAsString().length() > 0);
        Assert.assertTrue(o.has("acceptance_rate"));
    }

    @Test
    public void benchJsonComparesStrategies() {
        Run r =
                cli(
                        "bench",
                        "--model",
                        fixture("tiny-f32").toString(),
                        "--prompt-ids",
                        "1,247,45",
                        "--prompt-ids",
                        "1,2,3,4",
                        "--max-new-tokens",
                        "8",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--exit-layer",
                        "3",
                        "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        JsonArray rows = r.json().getAsJsonArray("results");
        Assert.assertEquals(rows.size(), 4);
        JsonObject ss = rows.get(2).getAsJsonObject();
        Assert.assertEquals(ss.get("strategy").getAsString(), "self-speculative");
        Assert.assertTrue(ss.get("identical_to_autoregressive").getAsBoolean());
        Assert.assertEquals(ss.get("exit_layer").getAsInt(), 3);
        Assert.assertEquals(ss.get("num_generated").getAsInt(), 16);
        JsonObject recompute = rows.get(3).getAsJsonObject();
        Assert.assertEquals(
                recompute.get("strategy").getAsString(), "self-speculative (recompute)");
        Assert.assertTrue(recompute.get("identical_to_autoregressive").getAsBoolean());
        Assert.assertEquals(
                recompute.get("acceptance_rate").getAsDouble(),
                ss.get("acceptance_rate").getAsDouble());
        JsonObject ar = rows.get(0).getAsJsonObject();
        Assert.assertEquals(ar.get("cpu_speedup").getAsDouble(), 1.0, 1e-12);
        for (int i = 0; i < rows.size(); i++) {
            double cpuMs = rows.get(i).getAsJsonObject().get("cpu_ms_per_token").getAsDouble();
            Assert.assertTrue(cpuMs > 0 && Double.isFinite(cpuMs), "row " + i + ": " + cpuMs);
        }
    }

    @Test
    public void sweepRanksByCpuTimeOnRequestAndRejectsOtherTimings() {
        Run bad = cli("sweep", "--model", fixture("tiny-f32").toString(), "--timing", "gpu");
        Assert.assertEquals(bad.code(), 2, bad.err());
        Assert.assertTrue(bad.err().contains("--timing must be wall or cpu"), bad.err());
        Run r =
                cli(
                        "sweep",
                        "--model",
                        fixture("tiny-f32").toString(),
                        "--exit-layers",
                        "1",
                        "--num-speculations",
                        "1",
                        "--prompt-ids",
                        "1,247,45,204",
                        "--max-new-tokens",
                        "4",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--timing",
                        "cpu");
        Assert.assertEquals(r.code(), 0, r.err());
        Assert.assertTrue(r.out().contains("speedup by cpu time"), r.out());
        Assert.assertTrue(r.out().contains("not recorded (add --record"), r.out());
        Assert.assertFalse(Files.exists(fixture("tiny-f32").resolve("layerskip.json")));
    }

    /** A private copy of a fixture, so a command may write into it. */
    static Path copyOf(String name) throws IOException {
        Path model = Files.createTempDirectory("layerskip-copy").resolve(name);
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(fixture(name))) {
            for (Path p : files.collect(Collectors.toList())) {
                Files.copy(p, model.resolve(p.getFileName().toString()));
            }
        }
        return model;
    }

    @Test
    public void sweepRecordsOnlyWithRecord() throws IOException {
        Path model = copyOf("tiny-f32");
        String[] grid = {
            "sweep",
            "--model",
            model.toString(),
            "--exit-layers",
            "1",
            "--num-speculations",
            "1",
            "--prompt-ids",
            "1,247,45",
            "--max-new-tokens",
            "3",
            "--repeats",
            "1",
            "--warmup",
            "0"
        };
        Run plain = cli(grid);
        Assert.assertEquals(plain.code(), 0, plain.err());
        Assert.assertFalse(
                Files.exists(model.resolve("layerskip.json")), "recorded without --record");
        // --no-record is kept as a deprecated no-op that says so
        Run deprecated =
                cli(
                        Stream.concat(Stream.of(grid), Stream.of("--no-record"))
                                .toArray(String[]::new));
        Assert.assertEquals(deprecated.code(), 0, deprecated.err());
        Assert.assertTrue(
                deprecated.err().contains("--no-record is deprecated and does nothing"),
                deprecated.err());
        Assert.assertFalse(Files.exists(model.resolve("layerskip.json")));
        assertOneErrorLine(
                cli(
                        Stream.concat(Stream.of(grid), Stream.of("--record", "--no-record"))
                                .toArray(String[]::new)),
                2,
                "either --record or --no-record");
        Assert.assertFalse(Files.exists(model.resolve("layerskip.json")));
    }

    @Test
    public void sweepJsonIsOneObjectWithEveryCellTheBestAndWhereItWasRecorded() throws IOException {
        Path model = copyOf("tiny-f32");
        Run r =
                cli(
                        "sweep",
                        "--model",
                        model.toString(),
                        "--exit-layers",
                        "1:2",
                        "--num-speculations",
                        "1,3",
                        "--prompt-ids",
                        "1,247,45,204",
                        "--max-new-tokens",
                        "4",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--json",
                        "--record");
        Assert.assertEquals(r.code(), 0, r.err());
        JsonObject o = r.json(); // fails unless stdout is exactly one JSON object
        Assert.assertEquals(o.get("model").getAsString(), model.toString());
        Assert.assertEquals(o.get("num_layers").getAsInt(), 4);
        Assert.assertEquals(o.get("max_new_tokens").getAsInt(), 4);
        Assert.assertTrue(o.get("task").isJsonNull());
        JsonArray cells = o.getAsJsonArray("cells");
        Assert.assertEquals(cells.size(), 4);
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            JsonObject c = cells.get(i).getAsJsonObject();
            seen.add(c.get("exit_layer").getAsInt() + "/" + c.get("num_speculations").getAsInt());
            Assert.assertTrue(c.get("identical_to_autoregressive").getAsBoolean(), c.toString());
            Assert.assertEquals(c.get("num_generated").getAsLong(), 4, c.toString()); // one prompt
            for (String k :
                    List.of(
                            "acceptance_rate",
                            "tokens_per_second",
                            "ms_per_token",
                            "cpu_ms_per_token",
                            "speedup")) {
                Assert.assertTrue(Double.isFinite(c.get(k).getAsDouble()), k + " in " + c);
            }
        }
        Assert.assertEquals(seen, List.of("1/1", "1/3", "2/1", "2/3"));
        JsonObject best = o.getAsJsonObject("best");
        double top = 0;
        for (int i = 0; i < cells.size(); i++) {
            top = Math.max(top, cells.get(i).getAsJsonObject().get("speedup").getAsDouble());
        }
        Assert.assertEquals(
                best.get("speedup").getAsDouble(), top, "the best is the fastest identical cell");
        Assert.assertEquals(
                o.get("recorded").getAsString(),
                model.resolve("layerskip.json").toAbsolutePath().toString());
        JsonObject rec =
                JsonParser.parseString(Files.readString(model.resolve("layerskip.json")))
                        .getAsJsonObject();
        Assert.assertEquals(rec.get("exit_layer").getAsInt(), best.get("exit_layer").getAsInt());
        Assert.assertEquals(
                rec.get("num_speculations").getAsInt(), best.get("num_speculations").getAsInt());
        Assert.assertTrue(
                o.getAsJsonObject("autoregressive").get("tokens_per_second").getAsDouble() > 0);

        Run unrecorded =
                cli(
                        "sweep",
                        "--model",
                        copyOf("tiny-f32").toString(),
                        "--exit-layers",
                        "1",
                        "--num-speculations",
                        "1",
                        "--prompt-ids",
                        "1,247",
                        "--max-new-tokens",
                        "2",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--json");
        Assert.assertEquals(unrecorded.code(), 0, unrecorded.err());
        Assert.assertTrue(unrecorded.json().get("recorded").isJsonNull());
    }

    @Test
    public void everyCommandReportsTheModelAsGiven() {
        // a zoo id resolves to an extracted copy in a cache folder; results name the id
        Run bench =
                cli(
                        "bench",
                        "--prompt-ids",
                        "1,5,9",
                        "--max-new-tokens",
                        "2",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--json");
        Assert.assertEquals(bench.code(), 0, bench.err());
        Assert.assertEquals(bench.json().get("model").getAsString(), "tiny-layerskip");
        Assert.assertEquals(
                bench.json().get("path").getAsString(),
                org.layerskip.zoo.LayerSkipModels.resolve("tiny-layerskip").toString());
        Run gen = cli("generate", "--prompt-ids", "1,5,9", "--max-new-tokens", "2", "--json");
        Assert.assertEquals(gen.code(), 0, gen.err());
        Assert.assertEquals(gen.json().get("model").getAsString(), "tiny-layerskip");
        String f = fixture("tiny-f32").toString();
        Run path =
                cli(
                        "generate",
                        "--model",
                        f,
                        "--prompt-ids",
                        "1,5,9",
                        "--max-new-tokens",
                        "2",
                        "--json");
        Assert.assertEquals(path.json().get("model").getAsString(), f);
    }

    @Test
    public void oneMaxNewTokensDefaultForEveryCommand() {
        String f = fixture("tiny-f32").toString();
        Run gen = cli("generate", "--model", f, "--prompt-ids", "1,5,9", "--ignore-eos", "--json");
        Assert.assertEquals(gen.code(), 0, gen.err());
        Assert.assertEquals(gen.json().get("num_generated").getAsInt(), 64);
        Run bench =
                cli(
                        "bench",
                        "--model",
                        f,
                        "--prompt-ids",
                        "1,5,9",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--json");
        Assert.assertEquals(bench.code(), 0, bench.err());
        Assert.assertEquals(bench.json().get("max_new_tokens").getAsInt(), 64);
        Assert.assertEquals(
                bench.json()
                        .getAsJsonArray("results")
                        .get(0)
                        .getAsJsonObject()
                        .get("num_generated")
                        .getAsInt(),
                64);
        Run sweep =
                cli(
                        "sweep",
                        "--model",
                        f,
                        "--exit-layers",
                        "1",
                        "--num-speculations",
                        "1",
                        "--prompt-ids",
                        "1,5,9",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--json");
        Assert.assertEquals(sweep.code(), 0, sweep.err());
        Assert.assertEquals(sweep.json().get("max_new_tokens").getAsInt(), 64);
        for (String command : List.of("generate", "bench", "sweep", "batch")) {
            Run help = cli(command, "--help");
            Assert.assertEquals(help.code(), 0, help.err());
            // the option's description (it may wrap onto the next line)
            String line =
                    help.out()
                            .lines()
                            .dropWhile(l -> !l.strip().startsWith("--max-new-tokens=N"))
                            .limit(2)
                            .collect(Collectors.joining(" "));
            Assert.assertTrue(line.contains("64"), command + ": " + line);
        }
    }

    @Test
    public void sweepWritesCsvPngAndRecordsBestInACopy() throws Exception {
        Path model = copyOf("tiny-f32");
        Path dir = model.getParent();
        Path csv = dir.resolve("grid.csv");
        Path png = dir.resolve("grid.png");
        Run r =
                cli(
                        "sweep",
                        "--model",
                        model.toString(),
                        "--exit-layers",
                        "1:2",
                        "--num-speculations",
                        "1,2",
                        "--prompt-ids",
                        "1,247,45,204",
                        "--max-new-tokens",
                        "6",
                        "--ignore-eos",
                        "--repeats",
                        "1",
                        "--warmup",
                        "0",
                        "--csv",
                        csv.toString(),
                        "--png",
                        png.toString(),
                        "--record");
        Assert.assertEquals(r.code(), 0, r.err());
        List<String> rows = Files.readAllLines(csv);
        Assert.assertEquals(
                rows.get(0),
                "exit_layer,num_speculations,acceptance_rate,tokens_per_second,speedup,ms_per_token,"
                        + "cpu_ms_per_token,identical_to_autoregressive");
        Assert.assertEquals(rows.size(), 5);
        byte[] head = Files.readAllBytes(png);
        Assert.assertEquals(
                java.util.Arrays.copyOf(head, 8),
                new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        JsonObject rec =
                JsonParser.parseString(Files.readString(model.resolve("layerskip.json")))
                        .getAsJsonObject();
        int e = rec.get("exit_layer").getAsInt();
        int d = rec.get("num_speculations").getAsInt();
        Assert.assertTrue(e >= 1 && e <= 2 && (d == 1 || d == 2), rec.toString());
        Assert.assertTrue(rec.has("speedup") && rec.has("measured_on"));
        Assert.assertTrue(
                r.out().contains("best: exit_layer=" + e + " num_speculations=" + d), r.out());
        Assert.assertFalse(Files.exists(fixture("tiny-f32").resolve("layerskip.json")));

        // generate now defaults to the recorded (E, d)
        Run g =
                cli(
                        "generate",
                        "--model",
                        model.toString(),
                        "--prompt-ids",
                        "1,2,3",
                        "--max-new-tokens",
                        "4",
                        "--ignore-eos",
                        "--json");
        Assert.assertEquals(g.code(), 0, g.err());
        Assert.assertEquals(g.json().get("exit_layer").getAsInt(), e);
        Assert.assertEquals(g.json().get("num_speculations").getAsInt(), d);
    }
}
