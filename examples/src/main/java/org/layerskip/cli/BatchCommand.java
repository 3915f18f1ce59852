package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import org.apache.logging.log4j.LogManager;
import org.layerskip.config.LibraryDefaults;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.spark.BatchJob;
import org.layerskip.spark.BatchSummary;
import org.layerskip.spark.ExecutorModels;
import org.layerskip.spark.ModelKey;
import org.layerskip.spark.RowOptions;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code layerskip batch}: generation for every prompt of a JSON-lines file, in this process or as
 * a Spark job ({@code --spark-master}, or the master of {@code spark-submit}); both write the same
 * {@code part-*} files (see {@link BatchJob}).
 */
@Command(
        name = "batch",
        mixinStandardHelpOptions = true,
        description = {
            "Generate for every row of a JSON-lines file: in this process, or as a Spark job with"
                    + " --spark-master (or under spark-submit). Both write the same lines.",
            "Input rows: {\"prompt\": \"...\"} plus optional per-row max_new_tokens, strategy,"
                    + " exit_layer, num_speculations, temperature, seed; other fields are kept.",
            "Output: DIR/part-* files, one JSON object per line: the input's fields plus text,"
                    + " token_ids, finish_reason, num_generated, acceptance_rate and error (null"
                    + " when the row is fine; a bad row gets its error and the job goes on)."
        })
final class BatchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Mixin EngineOption engineOption;

    @Option(
            names = "--input",
            required = true,
            paramLabel = "FILE",
            description = "JSON-lines prompts (with Spark: any Hadoop path, e.g. hdfs://...).")
    String input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "DIR",
            description = "Output folder; must not exist (with Spark: any Hadoop path).")
    String output;

    @Option(
            names = "--spark-master",
            paramLabel = "MASTER",
            description =
                    "Run as a Spark job: local[N], spark://host:7077, yarn, k8s://... (default:"
                            + " in this process, or spark-submit's master when launched by spark-submit).")
    String sparkMaster;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "With Spark: at least N input partitions (default: Spark's default"
                            + " parallelism, e.g. N of local[N]).")
    int partitions;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "8",
            description = "Rows generated together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "" + LibraryDefaults.MAX_NEW_TOKENS,
            description = "Most tokens per row (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--strategy",
            defaultValue = "self-speculative",
            description =
                    "autoregressive, early-exit or self-speculative (default: ${DEFAULT-VALUE}).")
    DecodingStrategy strategy;

    @Option(
            names = "--exit-layer",
            paramLabel = "E",
            description = "Exit layer E (default: layerskip.json in the model folder, else L/4).")
    Integer exitLayer;

    @Option(
            names = "--num-speculations",
            paramLabel = "D",
            description = "Draft tokens per verification (default: layerskip.json, else 4).")
    Integer numSpeculations;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            defaultValue = "0",
            description = "Sampling temperature; 0 = greedy (default).")
    double temperature;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON summary object on stdout.")
    boolean json;

    @Option(
            names = "--progress",
            negatable = true,
            description =
                    "In-process: show a progress bar on stderr (default: when a terminal is attached).")
    Boolean progress;

    @Override
    public Integer call() throws Exception {
        String usage = modelOptions.check();
        SamplingChecks.require(spec, usage == null, usage);
        SamplingChecks.require(spec, batchSize >= 1, "--batch-size must be >= 1, got " + batchSize);
        SamplingChecks.require(
                spec, partitions >= 0, "--partitions must be >= 0, got " + partitions);
        RowOptions defaults;
        try {
            defaults =
                    new RowOptions(
                            strategy,
                            maxNewTokens,
                            exitLayer == null ? 0 : exitLayer,
                            numSpeculations == null ? 0 : numSpeculations,
                            temperature,
                            seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        String master = sparkMaster != null ? sparkMaster : System.getProperty("spark.master");
        SamplingChecks.require(
                spec, master == null || !master.isBlank(), "--spark-master must not be empty");
        boolean local = master == null || SparkRun.isLocal(master);
        if (local && Files.exists(Path.of(output))) {
            throw new IllegalArgumentException(
                    "--output " + output + " already exists; give a new folder");
        }
        ModelKey key =
                new ModelKey(modelArgument(modelOptions.model, local), modelOptions.dtype.name());
        BatchJob job = new BatchJob(key, defaults, batchSize, engineOption.kind());
        JsonObject summary = new JsonObject();
        BatchSummary s;
        if (master == null) {
            if (modelOptions.threads != null) {
                System.setProperty("ai.djl.pytorch.num_threads", modelOptions.threads.toString());
            }
            boolean bar = progress != null ? progress : System.console() != null;
            long rows = bar ? countRows(Path.of(input)) : 0;
            quiet(() -> ExecutorModels.preload(key));
            try (Progress p = Progress.open("batch", rows, bar)) {
                s =
                        job.runInProcess(
                                Path.of(input),
                                Path.of(output),
                                n -> {
                                    for (int i = 0; i < n; i++) {
                                        p.step();
                                    }
                                });
            }
            summary.addProperty("mode", "in-process");
        } else {
            SparkRun run = SparkRun.start(master, modelOptions.threads);
            try {
                s = run.batch(job, input, output, partitions);
            } finally {
                run.stop();
            }
            summary.addProperty("mode", "spark");
            summary.addProperty("spark_master", master);
            summary.addProperty("threads_per_task", run.threadsPerTask());
            summary.addProperty("spark_start_seconds", run.startSeconds());
        }
        summary.addProperty("model", modelOptions.model);
        summary.addProperty("output", output);
        summary.addProperty("rows", s.rows());
        summary.addProperty("errors", s.errors());
        summary.addProperty("generated_tokens", s.generatedTokens());
        summary.addProperty("seconds", s.seconds());
        summary.addProperty("rows_per_second", s.rowsPerSecond());
        summary.addProperty("tokens_per_second", s.tokensPerSecond());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
        } else {
            out.println(
                    String.format(
                            Locale.ROOT,
                            "%d rows (%d with an error), %d tokens generated in %.1f s: %.2f rows/s, %.1f tokens/s"
                                    + " (%s); results in %s",
                            s.rows(),
                            s.errors(),
                            s.generatedTokens(),
                            s.seconds(),
                            s.rowsPerSecond(),
                            s.tokensPerSecond(),
                            master == null ? "in-process" : "Spark " + master,
                            output));
        }
        out.flush();
        return 0;
    }

    /**
     * A model folder given as a path becomes absolute when the executors run on this machine, so
     * they find it whatever their working directory; on a cluster it is passed as given.
     */
    static String modelArgument(String model, boolean localExecutors) {
        Path p = Path.of(model);
        if (localExecutors && Files.isDirectory(p)) {
            return p.toAbsolutePath().normalize().toString();
        }
        return model;
    }

    private static long countRows(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (java.util.stream.Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (java.io.UncheckedIOException e) {
            return 0; // not UTF-8: the job itself decodes with replacement characters
        }
    }

    /** LibTorch prints a C++ deprecation warning on first use; hide it unless --verbose. */
    private static void quiet(Runnable step) throws Exception {
        if (LogManager.getRootLogger().isInfoEnabled()) {
            step.run();
            return;
        }
        NativeStderr.silenced(
                () -> {
                    step.run();
                    return null;
                });
    }
}
