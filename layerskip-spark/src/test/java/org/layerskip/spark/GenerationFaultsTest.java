package org.layerskip.spark;

import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.zoo.LayerSkipModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Fault cases in local[2] with one retry per task: bad rows get their error and the job succeeds; a
 * task that fails once is retried without duplicated or missing rows; a model path missing on the
 * executors fails the job with one message naming it; a model shipped as an archive is found.
 */
public class GenerationFaultsTest {

    /**
     * Failures injected by {@link #retriedTaskLeavesNoDuplicatedOrMissingRows} (same JVM in local
     * mode).
     */
    static final AtomicInteger INJECTED = new AtomicInteger();

    private SparkSession spark;
    private Reference reference;

    @BeforeClass
    public void setUp() throws Exception {
        spark = SparkFixtures.spark();
        reference = new Reference("tiny-layerskip");
    }

    @AfterClass
    public void tearDown() {
        reference.close();
    }

    private static GenerationOptions greedy(int maxNew) {
        return GenerationOptions.builder()
                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                .optMaxNewTokens(maxNew)
                .build();
    }

    @Test(groups = "slow")
    public void badRowsGetTheirErrorAndTheOtherRowsAreCorrect() {
        List<String> good = SparkFixtures.heldoutPrompts(6);
        String tooLong = SparkFixtures.heldoutText().substring(0, 6000);
        Assert.assertTrue(
                reference.tokenizer.encode(tooLong).length > 512, "longer than the context");
        Object[][] rows = {
            {0, good.get(0), null, null},
            {1, "", null, "the prompt is empty"},
            {2, null, null, "the row has no prompt"},
            {3, good.get(1), null, null},
            {4, tooLong, null, "exceeds the model's context of 512 tokens"},
            {5, good.get(2), Map.of("strategy", "fast"), "unknown strategy 'fast'"},
            {
                6,
                good.get(3),
                Map.of("max_new_tokens", "abc"),
                "max_new_tokens must be an integer, got 'abc'"
            },
            {7, good.get(3), Map.of("max_new_tokens", "0"), "max-new-tokens must be >= 1, got 0"},
            {
                8,
                good.get(4),
                Map.of("strategy", "early-exit", "exit_layer", "17"),
                "exit-layer must be in [1, 16], got 17"
            },
            {
                9,
                good.get(4),
                Map.of("exit_layer", "16"),
                "exit-layer for self-speculation must be in [1, 15], got 16"
            },
            {
                10,
                good.get(5),
                Map.of("temperature", "-1"),
                "temperature must be a finite number >= 0, got -1.0"
            },
            {11, good.get(5), Map.of("max_tokens", "5"), "unknown option 'max_tokens'"},
            {12, good.get(2), null, null},
            {13, good.get(5), null, null},
        };
        List<Row> data = new ArrayList<>();
        for (Object[] r : rows) {
            @SuppressWarnings(
                    "unchecked") // the table's third column holds Map<String, String> or null
            Map<String, String> options = (Map<String, String>) r[2];
            data.add(org.apache.spark.sql.RowFactory.create(r[0], r[1], ScalaMaps.of(options)));
        }
        Dataset<Row> df =
                spark.createDataFrame(
                        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(
                                        spark.sparkContext())
                                .parallelize(data, 2),
                        LayerSkipGeneratorTest.SCHEMA);
        Map<Integer, GenerationRecord> out =
                LayerSkipGeneratorTest.byId(
                        new LayerSkipGenerator()
                                .setOptionsCol("options")
                                .setMaxNewTokens(10)
                                .setBatchSize(4)
                                .transform(df));
        Assert.assertEquals(out.size(), rows.length);
        for (Object[] r : rows) {
            GenerationRecord got = out.get((Integer) r[0]);
            if (r[3] == null) {
                LayerSkipGeneratorTest.assertSameRecord(
                        got, reference.generate((String) r[1], greedy(10)), "row " + r[0]);
                Assert.assertNotNull(got.text());
            } else {
                Assert.assertNotNull(got.error(), "row " + r[0]);
                Assert.assertTrue(
                        got.error().contains((String) r[3]), "row " + r[0] + ": " + got.error());
                Assert.assertFalse(got.error().contains("\n"));
                Assert.assertNull(got.text());
                Assert.assertNull(got.tokenIds());
                Assert.assertNull(got.finishReason());
                Assert.assertNull(got.numGenerated());
            }
        }
    }

    @Test(groups = "slow")
    public void retriedTaskLeavesNoDuplicatedOrMissingRows() throws IOException {
        List<String> prompts = SparkFixtures.heldoutPrompts(16);
        Dataset<Row> input =
                LayerSkipGeneratorTest.prompts(spark, prompts, 2); // rows 8..15 in partition 1
        // Row 13 throws on its task's first attempt: after the batch of rows 8-10 was generated and
        // written by that attempt, while the batch of 11-13 is read.
        Dataset<Row> flaky =
                input.map(
                        (MapFunction<Row, Row>)
                                r -> {
                                    if (r.getInt(0) == 13
                                            && TaskContext.get().attemptNumber() == 0) {
                                        INJECTED.incrementAndGet();
                                        throw new IllegalStateException(
                                                "injected failure of row 13");
                                    }
                                    return r;
                                },
                        Encoders.row(LayerSkipGeneratorTest.SCHEMA));
        Path dir = SparkFixtures.tempDir("layerskip-retry").resolve("out");
        new LayerSkipGenerator()
                .setOptionsCol("options")
                .setMaxNewTokens(8)
                .setBatchSize(3)
                .transform(flaky)
                .select("id", "generation")
                .write()
                .parquet(dir.toString());
        Assert.assertEquals(INJECTED.get(), 1, "the first attempt failed once");
        Map<Integer, GenerationRecord> out =
                LayerSkipGeneratorTest.byId(spark.read().parquet(dir.toString()));
        Assert.assertEquals(out.keySet(), new java.util.HashSet<>(range(16)));
        for (int i = 0; i < prompts.size(); i++) {
            LayerSkipGeneratorTest.assertSameRecord(
                    out.get(i),
                    reference.generate(
                            prompts.get(i), LayerSkipGeneratorTest.referenceOptions(i, 8)),
                    "row " + i);
        }
    }

    @Test(groups = "slow")
    public void missingModelPathFailsTheJobWithOneMessageNamingIt() {
        Dataset<Row> input =
                LayerSkipGeneratorTest.prompts(spark, SparkFixtures.heldoutPrompts(4), 2);
        String missing = "/nonexistent/models/layerskip-7b";
        SparkException e =
                Assert.expectThrows(
                        SparkException.class,
                        () ->
                                new LayerSkipGenerator()
                                        .setModel(missing)
                                        .transform(input)
                                        .collectAsList());
        ModelUnavailableException cause = causeOf(e, ModelUnavailableException.class);
        Assert.assertNotNull(cause, "cause chain: " + e);
        Assert.assertTrue(
                cause.getMessage()
                        .startsWith(
                                "model folder " + missing + " does not exist on executor driver"),
                cause.getMessage());
        Assert.assertFalse(cause.getMessage().contains("\n"));
        Assert.assertEquals(SparkFailures.describe(e), cause.getMessage());
        Assert.assertTrue(
                ExecutorModels.loaded().stream().noneMatch(k -> k.model().equals(missing)),
                "nothing cached");
    }

    @Test(groups = "slow")
    public void modelShippedAsAnArchiveIsFoundThroughSparkFiles() throws IOException {
        Path zip = SparkFixtures.tempDir("layerskip-archive").resolve("tiny.zip");
        zipFolder(LayerSkipModels.resolve("tiny-layerskip"), zip);
        spark.sparkContext().addArchive(zip.toUri() + "#tiny-shipped");
        List<String> prompts = SparkFixtures.heldoutPrompts(4);
        Map<Integer, GenerationRecord> out =
                LayerSkipGeneratorTest.byId(
                        new LayerSkipGenerator()
                                .setModel("tiny-shipped")
                                .setMaxNewTokens(6)
                                .transform(
                                        LayerSkipGeneratorTest.prompts(spark, prompts, 2)
                                                .drop("options")));
        for (int i = 0; i < prompts.size(); i++) {
            LayerSkipGeneratorTest.assertSameRecord(
                    out.get(i), reference.generate(prompts.get(i), greedy(6)), "row " + i);
        }
        Assert.assertEquals(ExecutorModels.loads(new ModelKey("tiny-shipped", "float32")), 1);
    }

    static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    private static void zipFolder(Path dir, Path zip) throws IOException {
        try (OutputStream os = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(os);
                Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                z.putNextEntry(new ZipEntry(f.getFileName().toString()));
                Files.copy(f, z);
                z.closeEntry();
            }
        }
    }
}
