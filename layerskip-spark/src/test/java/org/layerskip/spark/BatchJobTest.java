package org.layerskip.spark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.apache.spark.sql.SparkSession;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The JSON-lines job: in-process and as a local[2] Spark job over three partitions it writes the
 * same lines in the same order, rows equal the library's single-prompt results, and bad lines get
 * an error while the job succeeds.
 */
public class BatchJobTest {

    private SparkSession spark;
    private Reference reference;
    private Path dir;

    @BeforeClass
    public void setUp() throws Exception {
        spark = SparkFixtures.spark();
        reference = new Reference("tiny-layerskip");
        dir = SparkFixtures.tempDir("layerskip-batch");
    }

    @AfterClass
    public void tearDown() {
        reference.close();
    }

    /** Reads the part files of an output folder in name order. */
    static List<String> readParts(Path out) throws IOException {
        Assert.assertTrue(Files.isRegularFile(out.resolve("_SUCCESS")), "committed");
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
    public void inProcessAndSparkWriteTheSameLines() throws IOException {
        List<String> prompts = SparkFixtures.heldoutPrompts(18);
        List<String> input = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            JsonObject o = new JsonObject();
            o.addProperty("id", i);
            o.addProperty("prompt", prompts.get(i));
            if (i % 4 == 1) {
                o.addProperty("strategy", "autoregressive");
            }
            if (i % 4 == 3) {
                o.addProperty("max_new_tokens", 4);
            }
            input.add(o.toString());
        }
        input.add(7, "");
        input.add(3, "{\"id\": 100, \"prompt\": 5}");
        input.add(11, "not json");
        input.add(12, "[1, 2]");
        input.add(15, "{\"id\": 101}");
        input.add("{\"id\": 102, \"prompt\": \"x\", \"max_new_tokens\": [3]}");
        Path in = dir.resolve("prompts.jsonl");
        Files.write(in, input, StandardCharsets.UTF_8);

        RowOptions defaults = new RowOptions(DecodingStrategy.SELF_SPECULATIVE, 10, 0, 0, 0, 42);
        BatchJob job = new BatchJob(new ModelKey("tiny-layerskip", "float32"), defaults, 4);
        AtomicInteger progressed = new AtomicInteger();
        BatchSummary local = job.runInProcess(in, dir.resolve("local"), progressed::addAndGet);
        BatchSummary spark3 =
                job.runOnSpark(spark, in.toString(), dir.resolve("spark").toString(), 3);

        List<String> a = readParts(dir.resolve("local"));
        List<String> b = readParts(dir.resolve("spark"));
        Assert.assertEquals(b, a, "identical lines in identical order");
        Assert.assertEquals(a.size(), input.size() - 1, "one line per non-blank input line");
        Assert.assertEquals(progressed.get(), a.size());
        try (Stream<Path> s = Files.list(dir.resolve("spark"))) {
            Assert.assertEquals(
                    s.filter(f -> f.getFileName().toString().startsWith("part-")).count(), 3L);
        }
        Assert.assertEquals(local.rows(), a.size());
        Assert.assertEquals(local.errors(), 5);
        Assert.assertEquals(spark3.rows(), local.rows());
        Assert.assertEquals(spark3.errors(), local.errors());
        Assert.assertEquals(spark3.generatedTokens(), local.generatedTokens());

        List<String> errors = new ArrayList<>();
        long tokens = 0;
        for (String line : a) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            GenerationRecord r = JsonLines.result(line);
            if (r.error() != null) {
                errors.add(r.error());
                continue;
            }
            int id = o.get("id").getAsInt();
            GenerationOptions.Builder opts =
                    GenerationOptions.builder()
                            .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                            .optMaxNewTokens(10);
            if (id % 4 == 1) {
                opts.optStrategy(DecodingStrategy.AUTOREGRESSIVE);
            }
            if (id % 4 == 3) {
                opts.optMaxNewTokens(4);
            }
            LayerSkipGeneratorTest.assertSameRecord(
                    r, reference.generate(prompts.get(id), opts.build()), "id " + id);
            Assert.assertEquals(
                    o.get("prompt").getAsString(), prompts.get(id), "input fields are kept");
            tokens += r.numGenerated();
        }
        Assert.assertEquals(local.generatedTokens(), tokens);
        Assert.assertEquals(
                errors,
                List.of(
                        "prompt must be a string, got 5",
                        "the line is not valid JSON (error at column 1)",
                        "the line is not a JSON object",
                        "the row has no prompt",
                        "max_new_tokens must be a number or a string, got [3]"));
        Assert.assertTrue(
                a.stream()
                        .anyMatch(l -> l.startsWith("{\"input_line\":\"not json\",\"text\":null,")),
                "an unparseable line is kept as input_line");

        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> job.runInProcess(in, dir.resolve("local"), n -> {}));
        Assert.assertEquals(
                e.getMessage(),
                "--output " + dir.resolve("local") + " already exists; give a new folder");
    }
}
