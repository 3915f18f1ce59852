package org.layerskip.spark;

import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.layerskip.engine.EngineKind;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * The job behind {@code layerskip batch}: JSON-lines prompts in, JSON-lines results out ({@link
 * JsonLines}), either in this process or as a Spark job; both write the same lines in the same
 * order (the in-process run as one {@code part-00000.txt}, Spark as one {@code part-*} file per
 * partition), plus {@code _SUCCESS}. Blank input lines are skipped. The output folder must not
 * exist; it appears only when the run has succeeded.
 */
public final class BatchJob {

    /** Schema of a parsed line on its way to the generator. */
    static final StructType PARSED =
            new StructType()
                    .add("line", DataTypes.StringType, false)
                    .add("prompt", DataTypes.StringType, true)
                    .add(
                            "options",
                            DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType),
                            true);

    private final ModelKey model;
    private final RowOptions defaults;
    private final EngineKind engine;
    private final int batchSize;

    /**
     * Creates a job.
     *
     * @param model the model every row uses
     * @param defaults options of rows that override none
     * @param batchSize rows per generation batch
     */
    public BatchJob(ModelKey model, RowOptions defaults, int batchSize) {
        this(model, defaults, batchSize, EngineKind.fromProperty());
    }

    /**
     * Creates a job on a given decode engine.
     *
     * @param model the model every row uses
     * @param defaults options of rows that override none
     * @param batchSize rows per generation batch
     * @param engine the decode engine (same tokens either way)
     */
    public BatchJob(ModelKey model, RowOptions defaults, int batchSize, EngineKind engine) {
        this.engine = engine;
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.defaults = defaults;
        this.batchSize = batchSize;
    }

    /**
     * Runs in this process, one batch after another.
     *
     * @param input a local JSON-lines file
     * @param output the output folder (must not exist)
     * @param progress told the number of rows of every finished batch
     * @return what was done
     * @throws IOException if the input cannot be read or the output written
     * @throws ModelUnavailableException if the model cannot be loaded
     */
    public BatchSummary runInProcess(Path input, Path output, IntConsumer progress)
            throws IOException {
        long t0 = System.nanoTime();
        if (!Files.exists(input)) {
            throw new NoSuchFileException(input.toString());
        }
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input " + input + " is not a file");
        }
        checkNew(output);
        BatchedGeneration generation =
                new BatchedGeneration(ExecutorModels.acquire(model), defaults, engine);
        Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + output.getFileName() + ".tmp-");
        long rows = 0;
        long errors = 0;
        long tokens = 0;
        try {
            try (BufferedReader in =
                            new BufferedReader(
                                    new InputStreamReader(
                                            Files.newInputStream(input), StandardCharsets.UTF_8));
                    Stream<String> lines = in.lines();
                    BufferedWriter out =
                            Files.newBufferedWriter(
                                    tmp.resolve("part-00000.txt"), StandardCharsets.UTF_8)) {
                Iterator<String> nonBlank = lines.filter(l -> !l.isBlank()).iterator();
                Iterator<String> results =
                        PartitionBatches.map(
                                nonBlank,
                                batchSize,
                                batch -> {
                                    List<String> done = generate(generation, batch);
                                    progress.accept(batch.size());
                                    return done;
                                });
                while (results.hasNext()) {
                    String line = results.next();
                    out.write(line);
                    out.write('\n');
                    GenerationRecord rec = JsonLines.result(line);
                    rows++;
                    errors += rec.error() != null ? 1 : 0;
                    tokens += rec.numGenerated() != null ? rec.numGenerated() : 0;
                }
            }
            Files.createFile(tmp.resolve("_SUCCESS"));
            try {
                Files.move(tmp, output, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                throw new IllegalArgumentException(
                        "--output " + output + " appeared while the job ran", e);
            }
        } finally {
            deleteTree(tmp);
        }
        return new BatchSummary(rows, errors, tokens, (System.nanoTime() - t0) / 1e9);
    }

    /** Generates a batch of raw input lines into output lines. */
    private static List<String> generate(BatchedGeneration generation, List<String> lines) {
        List<JsonLines.Parsed> parsed = new ArrayList<>(lines.size());
        List<PromptRequest> requests = new ArrayList<>();
        for (String l : lines) {
            JsonLines.Parsed p = JsonLines.parse(l);
            parsed.add(p);
            if (p.error() == null) {
                requests.add(p.request());
            }
        }
        List<GenerationRecord> records = generation.generate(requests);
        List<String> out = new ArrayList<>(lines.size());
        int k = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonLines.Parsed p = parsed.get(i);
            GenerationRecord r =
                    p.error() == null ? records.get(k++) : GenerationRecord.failed(p.error());
            out.add(JsonLines.format(p, lines.get(i), r));
        }
        return out;
    }

    /**
     * Runs as a Spark job: lines are read with Spark's text source (any Hadoop path: local, {@code
     * hdfs://}, {@code s3a://}, ...), generated by {@link LayerSkipGenerator} on the executors and
     * written with Spark's text writer.
     *
     * @param spark the session
     * @param input the JSON-lines file (or folder of files)
     * @param output the output folder (must not exist)
     * @param partitions the minimum number of input partitions, or 0 for Spark's default
     *     parallelism (its number of task slots)
     * @return what was done, counted from the written output
     */
    public BatchSummary runOnSpark(
            SparkSession spark, String input, String output, int partitions) {
        long t0 = System.nanoTime();
        // textFile keeps the lines' order; at least one partition per task slot by default (Spark's
        // own split would read a small file as one partition, i.e. one task)
        int minPartitions = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        Dataset<String> lines =
                spark.createDataset(
                        spark.sparkContext().textFile(input, minPartitions), Encoders.STRING());
        Dataset<Row> parsed =
                lines.filter((FilterFunction<String>) l -> !l.isBlank())
                        .map((MapFunction<String, Row>) BatchJob::toRow, Encoders.row(PARSED));
        Dataset<Row> generated =
                new LayerSkipGenerator()
                        .setModel(model.model())
                        .setDtype(model.dtype())
                        .setInputCol("prompt")
                        .setOptionsCol("options")
                        .setOutputCol("generation")
                        .setStrategy(defaults.strategy().cliName())
                        .setMaxNewTokens(defaults.maxNewTokens())
                        .setExitLayer(defaults.exitLayer())
                        .setNumSpeculations(defaults.numSpeculations())
                        .setTemperature(defaults.temperature())
                        .setSeed(defaults.seed())
                        .setBatchSize(batchSize)
                        .setEngine(engine.id())
                        .transform(parsed);
        generated
                .map((MapFunction<Row, String>) BatchJob::toLine, Encoders.STRING())
                .write()
                .text(output);
        long[] counts =
                spark.read()
                        .textFile(output)
                        .javaRDD()
                        .map(
                                l -> {
                                    GenerationRecord r = JsonLines.result(l);
                                    return new long[] {
                                        1,
                                        r.error() != null ? 1 : 0,
                                        r.numGenerated() != null ? r.numGenerated() : 0
                                    };
                                })
                        .fold(
                                new long[3],
                                (a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
        return new BatchSummary(counts[0], counts[1], counts[2], (System.nanoTime() - t0) / 1e9);
    }

    private static Row toRow(String line) {
        JsonLines.Parsed p = JsonLines.parse(line);
        return p.error() == null
                ? RowFactory.create(line, p.request().prompt(), ScalaMaps.of(p.request().options()))
                : RowFactory.create(line, null, null);
    }

    private static String toLine(Row row) {
        String line = row.getString(0);
        JsonLines.Parsed p = JsonLines.parse(line);
        GenerationRecord r =
                p.error() == null
                        ? GenerationStruct.fromRow(row.getStruct(3))
                        : GenerationRecord.failed(p.error());
        return JsonLines.format(p, line, r);
    }

    private static void checkNew(Path output) {
        if (Files.exists(output)) {
            throw new IllegalArgumentException(
                    "--output " + output + " already exists; give a new folder");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
