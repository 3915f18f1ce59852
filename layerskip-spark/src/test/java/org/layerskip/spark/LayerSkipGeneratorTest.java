package org.layerskip.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link LayerSkipGenerator} in local[2]: a few dozen held-out prompts over several partitions and
 * batches give, row for row, what the library gives for each prompt alone in this process.
 */
public class LayerSkipGeneratorTest {

    static final StructType SCHEMA =
            new StructType()
                    .add("id", DataTypes.IntegerType, false)
                    .add("prompt", DataTypes.StringType, true)
                    .add(
                            "options",
                            DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType),
                            true);

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

    /** Per-row options of row i: most rows use the defaults, some override strategy or sampling. */
    static Map<String, String> optionsOf(int i) {
        switch (i % 6) {
            case 1:
                return Map.of("strategy", "autoregressive");
            case 3:
                return Map.of("strategy", "early-exit", "exit_layer", "4");
            case 5:
                return Map.of(
                        "temperature", "0.8", "seed", String.valueOf(i), "num_speculations", "2");
            default:
                return null;
        }
    }

    static GenerationOptions referenceOptions(int i, int maxNew) {
        GenerationOptions.Builder b =
                GenerationOptions.builder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optMaxNewTokens(maxNew);
        switch (i % 6) {
            case 1:
                b.optStrategy(DecodingStrategy.AUTOREGRESSIVE);
                break;
            case 3:
                b.optStrategy(DecodingStrategy.EARLY_EXIT).optExitLayer(4);
                break;
            case 5:
                b.optTemperature(0.8).optSeed(i).optNumSpeculations(2);
                break;
            default:
                break;
        }
        return b.build();
    }

    static Dataset<Row> prompts(SparkSession spark, List<String> prompts, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create(i, prompts.get(i), ScalaMaps.of(optionsOf(i))));
        }
        // parallelize keeps the rows' order (no shuffle): partition k holds a contiguous range
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), SCHEMA);
    }

    static Map<Integer, GenerationRecord> byId(Dataset<Row> out) {
        Map<Integer, GenerationRecord> m = new HashMap<>();
        for (Row r : out.select("id", "generation").collectAsList()) {
            Assert.assertNull(
                    m.put(r.getInt(0), GenerationStruct.fromRow(r.getStruct(1))),
                    "duplicate row " + r.getInt(0));
        }
        return m;
    }

    static void assertSameRecord(GenerationRecord actual, GenerationRecord expected, String where) {
        Assert.assertEquals(actual.error(), expected.error(), where + " error");
        Assert.assertEquals(actual.tokenIds(), expected.tokenIds(), where + " token ids");
        Assert.assertEquals(actual.text(), expected.text(), where + " text");
        Assert.assertEquals(
                actual.finishReason(), expected.finishReason(), where + " finish reason");
        Assert.assertEquals(
                actual.numGenerated(), expected.numGenerated(), where + " num generated");
        Assert.assertEquals(
                actual.acceptanceRate(), expected.acceptanceRate(), where + " acceptance rate");
    }

    @Test(groups = "slow")
    public void partitionedBatchedGenerationEqualsOnePromptAtATimeInProcess() {
        List<String> prompts = SparkFixtures.heldoutPrompts(36);
        Dataset<Row> out =
                new LayerSkipGenerator()
                        .setModel("tiny-layerskip")
                        .setOptionsCol("options")
                        .setMaxNewTokens(12)
                        .setBatchSize(4)
                        .transform(prompts(spark, prompts, 3));
        Assert.assertEquals(out.schema().apply("generation").dataType(), GenerationStruct.TYPE);
        Map<Integer, GenerationRecord> got = byId(out);
        Assert.assertEquals(got.size(), prompts.size());
        int speculative = 0;
        for (int i = 0; i < prompts.size(); i++) {
            GenerationRecord expected = reference.generate(prompts.get(i), referenceOptions(i, 12));
            GenerationRecord actual = got.get(i);
            assertSameRecord(actual, expected, "row " + i);
            Assert.assertNull(actual.error());
            Assert.assertTrue(actual.numGenerated() >= 1 && actual.numGenerated() <= 12);
            if (actual.acceptanceRate() != null) {
                speculative++;
            }
        }
        Assert.assertEquals(speculative, 24, "rows 0, 2, 4, 5 of every 6 are self-speculative");
        Assert.assertEquals(
                ExecutorModels.loads(new ModelKey("tiny-layerskip", "float32")),
                1,
                "one model load in this JVM, shared by all tasks");
    }

    @Test(groups = "slow")
    public void paramsAreValidatedAndSurviveSaveAndLoad() throws Exception {
        LayerSkipGenerator g =
                new LayerSkipGenerator()
                        .setMaxNewTokens(7)
                        .setStrategy("early-exit")
                        .setExitLayer(3);
        Assert.assertThrows(IllegalArgumentException.class, () -> g.setMaxNewTokens(0));
        Assert.assertThrows(IllegalArgumentException.class, () -> g.setStrategy("fast"));
        Assert.assertThrows(IllegalArgumentException.class, () -> g.setDtype("bfloat16"));
        Assert.assertThrows(IllegalArgumentException.class, () -> g.setEngine("OnnxRuntime"));
        Assert.assertThrows(IllegalArgumentException.class, () -> g.setTemperature(-1));
        java.nio.file.Path dir = SparkFixtures.tempDir("layerskip-generator");
        String path = dir.resolve("stage").toString();
        g.save(path);
        LayerSkipGenerator back = LayerSkipGenerator.load(path);
        Assert.assertEquals(back.uid(), g.uid());
        Assert.assertEquals(back.rowDefaults(), g.rowDefaults());
        Assert.assertEquals(back.modelKey(), g.modelKey());
        Assert.assertEquals(back.rowDefaults().maxNewTokens(), 7);

        Dataset<Row> df = prompts(spark, List.of("x"), 1);
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> g.setInputCol("text").transform(df));
        Assert.assertEquals(
                e.getMessage(), "input column text does not exist; columns: id, prompt, options");
        e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> g.setInputCol("id").transform(df));
        Assert.assertEquals(e.getMessage(), "input column id must be a string column, got int");
        e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> g.setInputCol("prompt").setOutputCol("options").transform(df));
        Assert.assertEquals(e.getMessage(), "output column options already exists");
    }
}
