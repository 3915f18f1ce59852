package org.layerskip.cli;

import static org.layerskip.cli.LayerSkipCliTest.assertOneErrorLine;
import static org.layerskip.cli.LayerSkipCliTest.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.cli.LayerSkipCliTest.Run;
import org.layerskip.zoo.BundledModels;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code layerskip batch} and {@code eval-layers --spark-master}: in-process and local[2] give the
 * same files and numbers; bad input and a missing model give one error line.
 */
public class BatchCliTest {

    private Path dir;
    private Path prompts;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("layerskip-batch-cli");
        Set<String> lines = new LinkedHashSet<>();
        for (String l : BundledModels.heldoutText().orElseThrow().split("\n")) {
            if (l.strip().length() >= 24) {
                lines.add(l.strip().substring(0, Math.min(60, l.strip().length())));
            }
            if (lines.size() == 12) {
                break;
            }
        }
        List<String> rows = new ArrayList<>();
        int i = 0;
        for (String p : lines) {
            JsonObject o = new JsonObject();
            o.addProperty("id", i++);
            o.addProperty("prompt", p);
            if (i % 5 == 0) {
                o.addProperty("strategy", "early-exit");
            }
            rows.add(o.toString());
        }
        rows.add("{\"id\": 99, \"prompt\": \"\"}");
        prompts = dir.resolve("prompts.jsonl");
        Files.write(prompts, rows, StandardCharsets.UTF_8);
    }

    private static List<String> parts(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path p :
                    s.filter(f -> f.getFileName().toString().startsWith("part-"))
                            .sorted()
                            .collect(Collectors.toList())) {
                lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    @Test(groups = "slow")
    public void inProcessAndLocalSparkWriteTheSameResults() throws IOException {
        Run a =
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("a").toString(),
                        "--max-new-tokens",
                        "8",
                        "--batch-size",
                        "3",
                        "--json");
        Assert.assertEquals(a.code(), 0, a.err());
        Run b =
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("b").toString(),
                        "--max-new-tokens",
                        "8",
                        "--batch-size",
                        "3",
                        "--spark-master",
                        "local[2]",
                        "--json");
        Assert.assertEquals(b.code(), 0, b.err());
        List<String> la = parts(dir.resolve("a"));
        List<String> lb = parts(dir.resolve("b"));
        Assert.assertEquals(lb, la);
        Assert.assertEquals(la.size(), 13);
        Assert.assertTrue(Files.isRegularFile(dir.resolve("b").resolve("_SUCCESS")));
        try (Stream<Path> s = Files.list(dir.resolve("b"))) {
            Assert.assertEquals(
                    s.filter(f -> f.getFileName().toString().startsWith("part-")).count(),
                    2L,
                    "one part per task slot of local[2]");
        }
        JsonObject ja = a.json();
        JsonObject jb = b.json();
        Assert.assertEquals(ja.get("mode").getAsString(), "in-process");
        Assert.assertEquals(jb.get("mode").getAsString(), "spark");
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            Assert.assertEquals(
                    jb.get("threads_per_task").getAsInt(),
                    Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        } else {
            Assert.assertNull(
                    jb.get("threads_per_task"), "an explicit ai.djl.pytorch.num_threads is kept");
        }
        for (String k : List.of("rows", "errors", "generated_tokens")) {
            Assert.assertEquals(jb.get(k).getAsLong(), ja.get(k).getAsLong(), k);
        }
        Assert.assertEquals(ja.get("rows").getAsInt(), 13);
        Assert.assertEquals(ja.get("errors").getAsInt(), 1);
        JsonObject first = JsonParser.parseString(la.get(0)).getAsJsonObject();
        Assert.assertEquals(first.get("id").getAsInt(), 0);
        Assert.assertTrue(first.get("text").getAsString().length() > 0);
        JsonArray ids = first.get("token_ids").getAsJsonArray();
        Assert.assertEquals(ids.size(), first.get("num_generated").getAsInt());
        Assert.assertTrue(first.get("acceptance_rate").getAsDouble() >= 0);
        Assert.assertTrue(first.get("error").isJsonNull());
        JsonObject early = JsonParser.parseString(la.get(4)).getAsJsonObject();
        Assert.assertEquals(early.get("strategy").getAsString(), "early-exit");
        Assert.assertTrue(early.get("acceptance_rate").isJsonNull(), "no drafts in early exit");
        JsonObject bad = JsonParser.parseString(la.get(12)).getAsJsonObject();
        Assert.assertEquals(bad.get("error").getAsString(), "the prompt is empty");
    }

    @Test(groups = "slow")
    public void missingModelOnTheExecutorsIsOneErrorLineNamingThePath() {
        Run r =
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("m").toString(),
                        "--spark-master",
                        "local[2]",
                        "--model",
                        "/nonexistent/layerskip-model");
        assertOneErrorLine(r, 1);
        Assert.assertTrue(
                r.err()
                        .startsWith(
                                "error: model folder /nonexistent/layerskip-model does not exist on executor driver"),
                r.err());
        Assert.assertFalse(Files.exists(dir.resolve("m").resolve("_SUCCESS")));
    }

    @Test(groups = "slow")
    public void badArgumentsAreOneErrorLine() throws IOException {
        assertOneErrorLine(
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("x").toString(),
                        "--batch-size",
                        "0"),
                2);
        assertOneErrorLine(
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("x").toString(),
                        "--max-new-tokens",
                        "0"),
                2);
        assertOneErrorLine(
                cli(
                        "batch",
                        "--input",
                        dir.resolve("none.jsonl").toString(),
                        "--output",
                        dir.resolve("x").toString()),
                1);
        Files.createDirectories(dir.resolve("exists"));
        Run r =
                cli(
                        "batch",
                        "--input",
                        prompts.toString(),
                        "--output",
                        dir.resolve("exists").toString());
        assertOneErrorLine(r, 1);
        Assert.assertEquals(
                r.err().strip(),
                "error: --output " + dir.resolve("exists") + " already exists; give a new folder");
        assertOneErrorLine(cli("eval-layers", "--partitions", "2"), 2);
    }

    @Test(groups = "slow")
    public void evalLayersOnSparkEqualsInProcess() throws IOException {
        Path sample = dir.resolve("sample.py");
        Files.writeString(sample, BundledModels.heldoutText().orElseThrow().substring(0, 6000));
        Run a = cli("eval-layers", "--data", sample.toString(), "--seq-len", "32", "--json");
        Assert.assertEquals(a.code(), 0, a.err());
        Run b =
                cli(
                        "eval-layers",
                        "--data",
                        sample.toString(),
                        "--seq-len",
                        "32",
                        "--json",
                        "--spark-master",
                        "local[2]",
                        "--partitions",
                        "3");
        Assert.assertEquals(b.code(), 0, b.err());
        // one object per model under "models", in both modes
        Assert.assertEquals(b.json().keySet(), a.json().keySet());
        JsonObject ja = a.json().getAsJsonArray("models").get(0).getAsJsonObject();
        JsonObject jb = b.json().getAsJsonArray("models").get(0).getAsJsonObject();
        Assert.assertEquals(jb.get("model").getAsString(), "tiny-layerskip");
        Assert.assertEquals(jb.get("tokens").getAsLong(), ja.get("tokens").getAsLong());
        Assert.assertEquals(jb.get("windows").getAsInt(), ja.get("windows").getAsInt());
        JsonArray la = ja.getAsJsonArray("layers");
        JsonArray lb = jb.getAsJsonArray("layers");
        Assert.assertEquals(la.size(), ja.get("num_layers").getAsInt());
        Assert.assertEquals(lb.size(), la.size());
        for (int i = 0; i < la.size(); i++) {
            double pa = la.get(i).getAsJsonObject().get("perplexity").getAsDouble();
            double pb = lb.get(i).getAsJsonObject().get("perplexity").getAsDouble();
            double aa = la.get(i).getAsJsonObject().get("accuracy").getAsDouble();
            double ab = lb.get(i).getAsJsonObject().get("accuracy").getAsDouble();
            Assert.assertTrue(
                    Math.abs(pa - pb) <= 1e-6 * pa, "layer " + (i + 1) + ": " + pb + " vs " + pa);
            Assert.assertTrue(
                    Math.abs(aa - ab) <= 1e-6 * aa, "layer " + (i + 1) + ": " + ab + " vs " + aa);
        }
    }
}
