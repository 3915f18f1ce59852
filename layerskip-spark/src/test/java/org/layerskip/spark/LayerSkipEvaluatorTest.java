package org.layerskip.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.TokenSequences;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link LayerSkipEvaluator} in local[2] against {@link LayerEvaluator} in one process (what {@code
 * layerskip eval-layers} computes): per-exit perplexity and accuracy within 1e-6 relative, token
 * counts exact — for prepared windows and for documents tokenized on the executors.
 */
public class LayerSkipEvaluatorTest {

    private static final int SEQ_LEN = 64;

    private SparkSession spark;
    private Reference reference;
    private String text;

    @BeforeClass
    public void setUp() throws Exception {
        spark = SparkFixtures.spark();
        reference = new Reference("tiny-layerskip");
        String all = SparkFixtures.heldoutText();
        text = all.substring(0, all.length() / 4);
    }

    @AfterClass
    public void tearDown() {
        reference.close();
    }

    static void assertSameMetrics(LayerMetrics actual, LayerMetrics expected) {
        Assert.assertEquals(actual.layers(), expected.layers());
        Assert.assertEquals(actual.tokens(), expected.tokens());
        for (int e = 0; e < expected.layers().length; e++) {
            double p = expected.perplexity()[e];
            double a = expected.accuracy()[e];
            Assert.assertTrue(
                    Math.abs(actual.perplexity()[e] - p) <= 1e-6 * p,
                    "exit "
                            + expected.layers()[e]
                            + " perplexity "
                            + actual.perplexity()[e]
                            + " vs "
                            + p);
            Assert.assertTrue(
                    Math.abs(actual.accuracy()[e] - a) <= 1e-6 * a,
                    "exit "
                            + expected.layers()[e]
                            + " accuracy "
                            + actual.accuracy()[e]
                            + " vs "
                            + a);
        }
    }

    @Test(groups = "slow")
    public void windowsOverPartitionsEqualOneProcess() {
        // as eval-layers: the text as one document, cut into windows of seq-len + 1 tokens
        TokenSequences windows =
                TokenSequences.pack(reference.tokenizer, List.of(text), SEQ_LEN + 1, 0);
        Assert.assertTrue(windows.size() >= 40, "windows: " + windows.size());
        LayerMetrics expected = LayerEvaluator.evaluate(reference.model, windows, 8);

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            List<Long> ids = new ArrayList<>();
            for (long id : windows.get(i)) {
                ids.add(id);
            }
            rows.add(RowFactory.create(ScalaSeqs.of(ids)));
        }
        StructType schema =
                new StructType()
                        .add("tokens", DataTypes.createArrayType(DataTypes.LongType, false));
        Dataset<Row> df =
                spark.createDataFrame(
                        JavaSparkContext.fromSparkContext(spark.sparkContext())
                                .parallelize(rows, 3),
                        schema);
        LayerSkipEvaluator evaluator =
                new LayerSkipEvaluator().setInputCol("tokens").setBatchSize(8);
        LayerMetrics actual = evaluator.evaluateLayers(df);
        assertSameMetrics(actual, expected);
        Assert.assertEquals(actual.layers().length, 16);
        Assert.assertEquals(actual.tokens(), (long) windows.size() * SEQ_LEN);

        double ppl = evaluator.evaluate(df);
        Assert.assertEquals(ppl, actual.perplexity()[actual.layers().length - 1], 1e-9 * ppl);
        Assert.assertFalse(evaluator.isLargerBetter());
        evaluator.setMetricName("accuracy").setMetricLayer(4).setExitLayers(new int[] {2, 4});
        Assert.assertTrue(evaluator.isLargerBetter());
        Assert.assertEquals(
                evaluator.evaluate(df), expected.accuracy()[3], 1e-6 * expected.accuracy()[3]);
        evaluator.setMetricLayer(3);
        IllegalArgumentException e =
                Assert.expectThrows(IllegalArgumentException.class, () -> evaluator.evaluate(df));
        Assert.assertEquals(
                e.getMessage(), "metricLayer 3 is not among the evaluated exits [2, 4]");
    }

    @Test(groups = "slow")
    public void documentsTokenizedOnTheExecutorsEqualOneProcess() {
        String[] lines = text.split("\n", -1);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < lines.length; i += 40) {
            docs.add(
                    String.join(
                            "\n", Arrays.copyOfRange(lines, i, Math.min(lines.length, i + 40))));
        }
        docs.add(""); // no window
        docs.add(null); // no document
        List<long[]> windows = new ArrayList<>();
        for (String d : docs) {
            if (d == null) {
                continue;
            }
            long[] stream = TokenSequences.tokenize(reference.tokenizer, List.of(d));
            for (int i = 0; i + SEQ_LEN + 1 <= stream.length; i += SEQ_LEN + 1) {
                windows.add(Arrays.copyOfRange(stream, i, i + SEQ_LEN + 1));
            }
        }
        LayerMetrics expected =
                LayerEvaluator.evaluate(
                        reference.model, TokenSequences.of(windows.toArray(new long[0][]), 0), 8);

        List<Row> rows = new ArrayList<>();
        for (String d : docs) {
            rows.add(RowFactory.create(d));
        }
        StructType schema = new StructType().add("text", DataTypes.StringType, true);
        Dataset<Row> df =
                spark.createDataFrame(
                        JavaSparkContext.fromSparkContext(spark.sparkContext())
                                .parallelize(rows, 3),
                        schema);
        LayerMetrics actual = new LayerSkipEvaluator().setSeqLen(SEQ_LEN).evaluateLayers(df);
        assertSameMetrics(actual, expected);

        Dataset<Row> shortDocs = spark.createDataFrame(List.of(RowFactory.create("tiny")), schema);
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> new LayerSkipEvaluator().evaluateLayers(shortDocs));
        Assert.assertEquals(
                e.getMessage(),
                "the dataset holds no window to evaluate (every document is shorter than seqLen + 1 = 129 tokens)");
        e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> new LayerSkipEvaluator().setInputCol("words").evaluateLayers(df));
        Assert.assertEquals(e.getMessage(), "input column words does not exist; columns: text");
    }
}
