package org.layerskip.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.layerskip.config.LibraryDefaults;
import org.layerskip.engine.EngineKind;
import org.layerskip.generate.DecodingStrategy;

import java.util.Arrays;
import java.util.List;

/**
 * Generates text for every row of a DataFrame with a LayerSkip model: a Spark ML {@link
 * Transformer} that appends a {@link GenerationStruct} column (text, token ids, finish reason,
 * number generated, acceptance rate, error) to its input.
 *
 * <pre>{@code
 * Dataset<Row> out = new LayerSkipGenerator()
 *         .setModel("tiny-layerskip")          // or a folder every executor can read
 *         .setInputCol("prompt")
 *         .setStrategy("self-speculative")
 *         .setMaxNewTokens(64)
 *         .transform(prompts);
 * }</pre>
 *
 * <p>Each executor JVM loads the model once ({@link ExecutorModels}); each partition task streams
 * its rows through the library's batched strategies {@code batchSize} rows at a time. Results do
 * not depend on the partitioning: every row gets exactly what {@code layerskip generate} gives for
 * its prompt alone. A row whose prompt is missing, empty or too long for the model's context, or
 * whose options are invalid, gets its error in {@code error} and the job goes on; a model that is
 * not found on an executor fails the job with one message naming the path.
 *
 * <p>With {@link #setOptionsCol} a {@code map<string,string>} column overrides the options per row
 * (keys {@link RowOptions#KEYS}; a null value keeps the default).
 */
public final class LayerSkipGenerator extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> model;

    private final Param<String> dtype;

    private final Param<String> engine;

    private final Param<String> inputCol;

    private final Param<String> outputCol;

    private final Param<String> optionsCol;

    private final IntParam maxNewTokens;

    private final Param<String> strategy;

    private final IntParam exitLayer;

    private final IntParam numSpeculations;

    private final DoubleParam temperature;

    private final LongParam seed;

    private final IntParam batchSize;

    /** Creates a generator with a random uid. */
    public LayerSkipGenerator() {
        this(Identifiable.randomUID("layerskipGenerator"));
    }

    /**
     * Creates a generator (Spark ML's copy and load constructor).
     *
     * @param uid the uid
     */
    public LayerSkipGenerator(String uid) {
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
                        "decode engine: fused (default) or ops",
                        ParamValidators.inArray(List.of("fused", "ops")));
        inputCol =
                new Param<>(
                        this,
                        "inputCol",
                        "prompt column (string)",
                        Validators.<String>of(s -> !s.isBlank()));
        outputCol =
                new Param<>(
                        this,
                        "outputCol",
                        "output column (struct)",
                        Validators.<String>of(s -> !s.isBlank()));
        optionsCol =
                new Param<>(
                        this,
                        "optionsCol",
                        "map<string,string> column of per-row options (empty: none)",
                        Validators.<String>of(s -> true));
        maxNewTokens =
                new IntParam(
                        this,
                        "maxNewTokens",
                        "most new tokens per row (>= 1)",
                        ParamValidators.gtEq(1));
        strategy =
                new Param<>(
                        this,
                        "strategy",
                        "autoregressive, early-exit or self-speculative",
                        Validators.<String>of(LayerSkipGenerator::isStrategy));
        exitLayer =
                new IntParam(
                        this,
                        "exitLayer",
                        "exit layer E (0: the model's recorded value)",
                        ParamValidators.gtEq(0));
        numSpeculations =
                new IntParam(
                        this,
                        "numSpeculations",
                        "draft length d (0: the model's recorded value)",
                        ParamValidators.gtEq(0));
        temperature =
                new DoubleParam(
                        this,
                        "temperature",
                        "sampling temperature (0: greedy)",
                        Validators.<Object>of(
                                t -> ((Double) t) >= 0 && Double.isFinite((Double) t)));
        seed = new LongParam(this, "seed", "sampling seed");
        batchSize =
                new IntParam(
                        this,
                        "batchSize",
                        "rows per generation batch (>= 1)",
                        ParamValidators.gtEq(1));
        setDefault(model, "tiny-layerskip");
        setDefault(dtype, "float32");
        setDefault(engine, "fused");
        setDefault(inputCol, "prompt");
        setDefault(outputCol, "generation");
        setDefault(optionsCol, "");
        setDefault(maxNewTokens, LibraryDefaults.MAX_NEW_TOKENS);
        setDefault(strategy, DecodingStrategy.SELF_SPECULATIVE.cliName());
        setDefault(exitLayer, 0);
        setDefault(numSpeculations, 0);
        setDefault(temperature, 0.0);
        setDefault(seed, 42L);
        setDefault(batchSize, 8);
    }

    private static boolean isStrategy(String s) {
        try {
            DecodingStrategy.parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
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
     * Decode engine: {@code fused} (one native call per pass; the default) or {@code ops} (DJL's
     * per-op path). Same tokens either way; the fused engine is faster.
     *
     * @return the parameter
     */
    public Param<String> engine() {
        return engine;
    }

    /**
     * Prompt column (string, default prompt).
     *
     * @return the parameter
     */
    public Param<String> inputCol() {
        return inputCol;
    }

    /**
     * Output column (default generation).
     *
     * @return the parameter
     */
    public Param<String> outputCol() {
        return outputCol;
    }

    /**
     * Optional map&lt;string,string&gt; column of per-row options (default: none).
     *
     * @return the parameter
     */
    public Param<String> optionsCol() {
        return optionsCol;
    }

    /**
     * Most new tokens per row (default 64).
     *
     * @return the parameter
     */
    public IntParam maxNewTokens() {
        return maxNewTokens;
    }

    /**
     * autoregressive, early-exit or self-speculative (default).
     *
     * @return the parameter
     */
    public Param<String> strategy() {
        return strategy;
    }

    /**
     * Exit layer E; 0 (default) takes the model's recorded value or L/4.
     *
     * @return the parameter
     */
    public IntParam exitLayer() {
        return exitLayer;
    }

    /**
     * Draft length d; 0 (default) takes the model's recorded value or 4.
     *
     * @return the parameter
     */
    public IntParam numSpeculations() {
        return numSpeculations;
    }

    /**
     * Sampling temperature; 0 (default) is greedy.
     *
     * @return the parameter
     */
    public DoubleParam temperature() {
        return temperature;
    }

    /**
     * Sampling seed (default 42).
     *
     * @return the parameter
     */
    public LongParam seed() {
        return seed;
    }

    /**
     * Rows per generation batch (default 8).
     *
     * @return the parameter
     */
    public IntParam batchSize() {
        return batchSize;
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
    public LayerSkipGenerator setModel(String value) {
        return (LayerSkipGenerator) set(model, value);
    }

    /**
     * Sets the weight precision.
     *
     * @param value float32 or float16
     * @return this
     */
    public LayerSkipGenerator setDtype(String value) {
        return (LayerSkipGenerator) set(dtype, value);
    }

    /**
     * Sets the DJL engine.
     *
     * @param value PyTorch
     * @return this
     */
    public LayerSkipGenerator setEngine(String value) {
        return (LayerSkipGenerator) set(engine, value);
    }

    /**
     * Sets the prompt column.
     *
     * @param value a string column
     * @return this
     */
    public LayerSkipGenerator setInputCol(String value) {
        return (LayerSkipGenerator) set(inputCol, value);
    }

    /**
     * Sets the output column.
     *
     * @param value a new column name
     * @return this
     */
    public LayerSkipGenerator setOutputCol(String value) {
        return (LayerSkipGenerator) set(outputCol, value);
    }

    /**
     * Sets the per-row options column.
     *
     * @param value a map&lt;string,string&gt; column, or empty for none
     * @return this
     */
    public LayerSkipGenerator setOptionsCol(String value) {
        return (LayerSkipGenerator) set(optionsCol, value);
    }

    /**
     * Sets the most new tokens per row.
     *
     * @param value &gt;= 1
     * @return this
     */
    public LayerSkipGenerator setMaxNewTokens(int value) {
        return (LayerSkipGenerator) set(maxNewTokens, value);
    }

    /**
     * Sets the strategy.
     *
     * @param value autoregressive, early-exit or self-speculative
     * @return this
     */
    public LayerSkipGenerator setStrategy(String value) {
        return (LayerSkipGenerator) set(strategy, value);
    }

    /**
     * Sets the exit layer E.
     *
     * @param value E, or 0 for the model's recorded value
     * @return this
     */
    public LayerSkipGenerator setExitLayer(int value) {
        return (LayerSkipGenerator) set(exitLayer, value);
    }

    /**
     * Sets the draft length d.
     *
     * @param value d, or 0 for the model's recorded value
     * @return this
     */
    public LayerSkipGenerator setNumSpeculations(int value) {
        return (LayerSkipGenerator) set(numSpeculations, value);
    }

    /**
     * Sets the sampling temperature.
     *
     * @param value &gt;= 0; 0 is greedy
     * @return this
     */
    public LayerSkipGenerator setTemperature(double value) {
        return (LayerSkipGenerator) set(temperature, value);
    }

    /**
     * Sets the sampling seed.
     *
     * @param value the seed
     * @return this
     */
    public LayerSkipGenerator setSeed(long value) {
        return (LayerSkipGenerator) set(seed, value);
    }

    /**
     * Sets the rows per generation batch.
     *
     * @param value &gt;= 1
     * @return this
     */
    public LayerSkipGenerator setBatchSize(int value) {
        return (LayerSkipGenerator) set(batchSize, value);
    }

    /**
     * Returns the options of rows that override none.
     *
     * @return the default row options
     * @throws IllegalArgumentException if the combination is invalid
     */
    public RowOptions rowDefaults() {
        return new RowOptions(
                DecodingStrategy.parse(getOrDefault(strategy)),
                (Integer) getOrDefault(maxNewTokens),
                (Integer) getOrDefault(exitLayer),
                (Integer) getOrDefault(numSpeculations),
                (Double) getOrDefault(temperature),
                (Long) getOrDefault(seed));
    }

    /**
     * Returns which model the executors load.
     *
     * @return the model key
     */
    public ModelKey modelKey() {
        return new ModelKey(getOrDefault(model), getOrDefault(dtype));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol);
        String out = getOrDefault(outputCol);
        String opts = getOrDefault(optionsCol);
        StructField f = field(schema, in, "input");
        if (!f.dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(
                    "input column "
                            + in
                            + " must be a string column, got "
                            + f.dataType().simpleString());
        }
        if (!opts.isEmpty()) {
            StructField o = field(schema, opts, "options");
            if (!(o.dataType() instanceof MapType)
                    || !((MapType) o.dataType()).keyType().equals(DataTypes.StringType)) {
                throw new IllegalArgumentException(
                        "options column "
                                + opts
                                + " must be a map<string,string> column, got "
                                + o.dataType().simpleString());
            }
        }
        if (Arrays.asList(schema.fieldNames()).contains(out)) {
            throw new IllegalArgumentException("output column " + out + " already exists");
        }
        return schema.add(out, GenerationStruct.TYPE, true);
    }

    private static StructField field(StructType schema, String name, String what) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(
                    what
                            + " column "
                            + name
                            + " does not exist; columns: "
                            + String.join(", ", schema.fieldNames()));
        }
        return schema.apply(name);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        String opts = getOrDefault(optionsCol);
        GeneratePartition task =
                new GeneratePartition(
                        modelKey(),
                        rowDefaults(),
                        (Integer) getOrDefault(batchSize),
                        df.schema().fieldIndex(getOrDefault(inputCol)),
                        opts.isEmpty() ? -1 : df.schema().fieldIndex(opts),
                        EngineKind.parse(getOrDefault(engine)));
        return df.mapPartitions(task, Encoders.row(outSchema));
    }

    @Override
    public LayerSkipGenerator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /**
     * Returns the reader that {@code Pipeline.load} and {@link #load} use.
     *
     * @return the reader
     */
    public static MLReader<LayerSkipGenerator> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads a generator saved with {@code save(path)}.
     *
     * @param path the folder
     * @return the generator
     */
    public static LayerSkipGenerator load(String path) {
        return read().load(path);
    }
}
