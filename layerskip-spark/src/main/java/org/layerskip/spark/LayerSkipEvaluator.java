package org.layerskip.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.LayerTotals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-exit-layer perplexity and next-token accuracy of a LayerSkip model over a dataset: a Spark ML
 * {@link Evaluator}. Every partition task sums the negative log-likelihood and the correct
 * predictions of every exit with this JVM's shared model ({@link ExecutorModels}); the driver adds
 * the partitions' sums ({@link LayerTotals#plus}) and turns them into metrics, so the numbers are
 * those of {@code layerskip eval-layers} over the same windows in one process (up to the order of
 * floating-point additions).
 *
 * <p>The input column holds either documents (string: each row is tokenized on the executor, BOS
 * and EOS as the tokenizer says, and cut into consecutive windows of {@code seqLen + 1} tokens, the
 * tail dropped) or prepared windows (array of int or bigint ids: the model reads all but the last
 * and is scored on the rest). {@link #evaluate} returns one number ({@code metricName} at {@code
 * metricLayer}); {@link #evaluateLayers} returns every exit.
 */
public final class LayerSkipEvaluator extends Evaluator implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> model;

    private final Param<String> dtype;

    private final Param<String> engine;

    private final Param<String> inputCol;

    private final IntParam seqLen;

    private final IntParam batchSize;

    private final IntArrayParam exitLayers;

    private final Param<String> metricName;

    private final IntParam metricLayer;

    /** Creates an evaluator with a random uid. */
    public LayerSkipEvaluator() {
        this(Identifiable.randomUID("layerskipEvaluator"));
    }

    /**
     * Creates an evaluator (Spark ML's copy and load constructor).
     *
     * @param uid the uid
     */
    public LayerSkipEvaluator(String uid) {
        this.uid = uid;
        model =
                new Param<>(
                        this,
                        "model",
                        "model folder, SparkFiles name or zoo id",
                        Validators.<String>of(s -> !s.isBlank()));
        dtype =
                new Param<>(
                        this,
                        "dtype",
                        "weight precision: float32 or float16",
                        ParamValidators.inArray(ModelKey.DTYPES));
        engine =
                new Param<>(
                        this,
                        "engine",
                        "DJL engine (PyTorch)",
                        ParamValidators.inArray(List.of("PyTorch")));
        inputCol =
                new Param<>(
                        this,
                        "inputCol",
                        "documents (string) or token windows (array of ids)",
                        Validators.<String>of(s -> !s.isBlank()));
        seqLen =
                new IntParam(
                        this,
                        "seqLen",
                        "tokens read per window of a document (>= 1)",
                        ParamValidators.gtEq(1));
        batchSize =
                new IntParam(
                        this,
                        "batchSize",
                        "windows per forward pass (>= 1)",
                        ParamValidators.gtEq(1));
        exitLayers =
                new IntArrayParam(
                        this,
                        "exitLayers",
                        "exit layers, ascending (empty: all)",
                        Validators.<int[]>of(LayerSkipEvaluator::ascendingPositive));
        metricName =
                new Param<>(
                        this,
                        "metricName",
                        "perplexity or accuracy",
                        ParamValidators.inArray(List.of("perplexity", "accuracy")));
        metricLayer =
                new IntParam(
                        this,
                        "metricLayer",
                        "exit of evaluate()'s metric (0: the last)",
                        ParamValidators.gtEq(0));
        setDefault(model, "tiny-layerskip");
        setDefault(dtype, "float32");
        setDefault(engine, "PyTorch");
        setDefault(inputCol, "text");
        setDefault(seqLen, 128);
        setDefault(batchSize, 8);
        setDefault(exitLayers, new int[0]);
        setDefault(metricName, "perplexity");
        setDefault(metricLayer, 0);
    }

    private static boolean ascendingPositive(int[] layers) {
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 1 || (i > 0 && layers[i] <= layers[i - 1])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Model folder, SparkFiles name or zoo id (default tiny-layerskip).
     *
     * @return the parameter
     */
    public Param<String> model() {
        return model;
    }

    /**
     * Weight precision: float32 (default) or float16.
     *
     * @return the parameter
     */
    public Param<String> dtype() {
        return dtype;
    }

    /**
     * DJL engine: PyTorch.
     *
     * @return the parameter
     */
    public Param<String> engine() {
        return engine;
    }

    /**
     * Input column: documents (string) or token windows (array of ids); default text.
     *
     * @return the parameter
     */
    public Param<String> inputCol() {
        return inputCol;
    }

    /**
     * Tokens the model reads per window cut from a document (default 128).
     *
     * @return the parameter
     */
    public IntParam seqLen() {
        return seqLen;
    }

    /**
     * Windows per forward pass (default 8).
     *
     * @return the parameter
     */
    public IntParam batchSize() {
        return batchSize;
    }

    /**
     * Exit layers to evaluate, ascending (default: all).
     *
     * @return the parameter
     */
    public IntArrayParam exitLayers() {
        return exitLayers;
    }

    /**
     * What {@link #evaluate} returns: perplexity (default) or accuracy.
     *
     * @return the parameter
     */
    public Param<String> metricName() {
        return metricName;
    }

    /**
     * The exit whose metric {@link #evaluate} returns; 0 (default) is the last evaluated.
     *
     * @return the parameter
     */
    public IntParam metricLayer() {
        return metricLayer;
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * Sets the model.
     *
     * @param value a folder every executor can read, a SparkFiles name or a zoo id
     * @return this
     */
    public LayerSkipEvaluator setModel(String value) {
        return (LayerSkipEvaluator) set(model, value);
    }

    /**
     * Sets the weight precision.
     *
     * @param value float32 or float16
     * @return this
     */
    public LayerSkipEvaluator setDtype(String value) {
        return (LayerSkipEvaluator) set(dtype, value);
    }

    /**
     * Sets the DJL engine.
     *
     * @param value PyTorch
     * @return this
     */
    public LayerSkipEvaluator setEngine(String value) {
        return (LayerSkipEvaluator) set(engine, value);
    }

    /**
     * Sets the input column.
     *
     * @param value a string column of documents, or an array column of token windows
     * @return this
     */
    public LayerSkipEvaluator setInputCol(String value) {
        return (LayerSkipEvaluator) set(inputCol, value);
    }

    /**
     * Sets the tokens read per window cut from a document.
     *
     * @param value &gt;= 1
     * @return this
     */
    public LayerSkipEvaluator setSeqLen(int value) {
        return (LayerSkipEvaluator) set(seqLen, value);
    }

    /**
     * Sets the windows per forward pass.
     *
     * @param value &gt;= 1
     * @return this
     */
    public LayerSkipEvaluator setBatchSize(int value) {
        return (LayerSkipEvaluator) set(batchSize, value);
    }

    /**
     * Sets the exits to evaluate.
     *
     * @param value ascending exit layers, or empty for all
     * @return this
     */
    public LayerSkipEvaluator setExitLayers(int[] value) {
        return (LayerSkipEvaluator) set(exitLayers, value);
    }

    /**
     * Sets what {@link #evaluate} returns.
     *
     * @param value perplexity or accuracy
     * @return this
     */
    public LayerSkipEvaluator setMetricName(String value) {
        return (LayerSkipEvaluator) set(metricName, value);
    }

    /**
     * Sets the exit whose metric {@link #evaluate} returns.
     *
     * @param value an evaluated exit, or 0 for the last
     * @return this
     */
    public LayerSkipEvaluator setMetricLayer(int value) {
        return (LayerSkipEvaluator) set(metricLayer, value);
    }

    /**
     * Returns which model the executors load.
     *
     * @return the model key
     */
    public ModelKey modelKey() {
        return new ModelKey(getOrDefault(model), getOrDefault(dtype));
    }

    /**
     * Sums the negative log-likelihood, correct predictions and tokens of every exit over the
     * dataset: per partition on the executors, added up on the driver in partition order.
     *
     * @param dataset the data
     * @return the sums
     * @throws IllegalArgumentException if the input column is missing or of the wrong type, or the
     *     dataset yields no window
     */
    public LayerTotals totals(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        String in = getOrDefault(inputCol);
        if (!Arrays.asList(df.schema().fieldNames()).contains(in)) {
            throw new IllegalArgumentException(
                    "input column "
                            + in
                            + " does not exist; columns: "
                            + String.join(", ", df.schema().fieldNames()));
        }
        DataType type = df.schema().apply(in).dataType();
        boolean text = type.equals(DataTypes.StringType);
        boolean windows =
                type instanceof ArrayType
                        && (((ArrayType) type).elementType().equals(DataTypes.LongType)
                                || ((ArrayType) type).elementType().equals(DataTypes.IntegerType));
        if (!text && !windows) {
            throw new IllegalArgumentException(
                    "input column "
                            + in
                            + " must hold documents (string) or token windows (array of"
                            + " int or bigint), got "
                            + type.simpleString());
        }
        EvaluatePartition task =
                new EvaluatePartition(
                        modelKey(),
                        df.schema().fieldIndex(in),
                        text,
                        (Integer) getOrDefault(seqLen),
                        (Integer) getOrDefault(batchSize),
                        getOrDefault(exitLayers));
        List<Row> parts =
                df.mapPartitions(task, Encoders.row(EvaluatePartition.SUMS)).collectAsList();
        LayerTotals sum = null;
        for (Row p : parts) {
            LayerTotals t = fromRow(p);
            sum = sum == null ? t : sum.plus(t);
        }
        if (sum == null) {
            throw new IllegalArgumentException(
                    "the dataset holds no window to evaluate"
                            + (text
                                    ? " (every document is shorter than seqLen + 1 = "
                                            + ((Integer) getOrDefault(seqLen) + 1)
                                            + " tokens)"
                                    : ""));
        }
        return sum;
    }

    /**
     * Evaluates every requested exit.
     *
     * @param dataset the data
     * @return perplexity and accuracy per exit
     */
    public LayerMetrics evaluateLayers(Dataset<?> dataset) {
        return totals(dataset).metrics();
    }

    /**
     * Evaluates prepared windows (e.g. cut on the driver as {@code eval-layers} cuts them): they
     * are spread over {@code partitions} partitions in order, as one {@code array<bigint>} column
     * named by {@code inputCol}.
     *
     * @param spark the session
     * @param windows token windows, each read but for its last id and scored on all but its first
     * @param partitions how many partitions (tasks) to spread them over (&gt;= 1)
     * @return perplexity and accuracy per exit
     */
    public LayerMetrics evaluateWindows(SparkSession spark, List<long[]> windows, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        List<Row> rows = new ArrayList<>(windows.size());
        for (long[] w : windows) {
            List<Long> ids = new ArrayList<>(w.length);
            for (long id : w) {
                ids.add(id);
            }
            rows.add(RowFactory.create(ScalaSeqs.of(ids)));
        }
        StructType schema =
                new StructType()
                        .add(
                                getOrDefault(inputCol),
                                DataTypes.createArrayType(DataTypes.LongType, false),
                                false);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return evaluateLayers(spark.createDataFrame(jsc.parallelize(rows, partitions), schema));
    }

    @Override
    public double evaluate(Dataset<?> dataset) {
        LayerMetrics m = evaluateLayers(dataset);
        int layer = (Integer) getOrDefault(metricLayer);
        int i = layer == 0 ? m.layers().length - 1 : Arrays.binarySearch(m.layers(), layer);
        if (i < 0) {
            throw new IllegalArgumentException(
                    "metricLayer "
                            + layer
                            + " is not among the evaluated exits "
                            + Arrays.toString(m.layers()));
        }
        return "accuracy".equals(getOrDefault(metricName)) ? m.accuracy()[i] : m.perplexity()[i];
    }

    @Override
    public boolean isLargerBetter() {
        return "accuracy".equals(getOrDefault(metricName));
    }

    @Override
    public LayerSkipEvaluator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    private static LayerTotals fromRow(Row r) {
        List<Object> layers = r.getList(0);
        List<Object> nll = r.getList(1);
        List<Object> correct = r.getList(2);
        int[] l = new int[layers.size()];
        double[] n = new double[l.length];
        long[] c = new long[l.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = ((Number) layers.get(i)).intValue();
            n[i] = ((Number) nll.get(i)).doubleValue();
            c[i] = ((Number) correct.get(i)).longValue();
        }
        return new LayerTotals(l, n, c, r.getLong(3));
    }

    /**
     * Returns the reader that {@code Pipeline.load} and {@link #load} use.
     *
     * @return the reader
     */
    public static MLReader<LayerSkipEvaluator> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads an evaluator saved with {@code save(path)}.
     *
     * @param path the folder
     * @return the evaluator
     */
    public static LayerSkipEvaluator load(String path) {
        return read().load(path);
    }
}
