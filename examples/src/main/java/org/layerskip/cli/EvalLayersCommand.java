package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.apache.logging.log4j.LogManager;
import org.layerskip.config.LlamaConfig;
import org.layerskip.examples.LayerCurvePlot;
import org.layerskip.io.HfLlama;
import org.layerskip.spark.LayerSkipEvaluator;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.TokenSequences;
import org.layerskip.zoo.BundledModels;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code layerskip eval-layers}: held-out perplexity and next-token accuracy at every exit layer
 * (LayerSkip's Tables 1–2), for one model or several side by side, with an optional chart.
 *
 * <p>The text is tokenized with each model's own tokenizer as one document and cut into consecutive
 * windows of {@code --seq-len + 1} tokens ({@link TokenSequences#pack}); the model reads the first
 * {@code seq-len} tokens of each window and is scored on predicting the last {@code seq-len}
 * ({@link LayerEvaluator}).
 */
@Command(
        name = "eval-layers",
        mixinStandardHelpOptions = true,
        description = "Perplexity and next-token accuracy of every exit layer on held-out text.")
final class EvalLayersCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            split = ",",
            defaultValue = ModelLocator.DEFAULT_MODEL,
            description =
                    "Model folder or zoo id; repeat or comma-separate to compare several"
                            + " (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(
            names = "--dtype",
            defaultValue = "float32",
            description = "Weight precision: float32 or float16 (default: ${DEFAULT-VALUE}).")
    ModelOptions.WeightType dtype;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description =
                    "PyTorch intra-op threads, at most the number of processors"
                            + " (ai.djl.pytorch.num_threads; default: half the processors, 1 to 8).")
    Integer threads;

    @Option(
            names = "--data",
            paramLabel = "FILE",
            description =
                    "UTF-8 text to evaluate on (default: the held-out split bundled with the"
                            + " tiny models).")
    Path data;

    @Option(
            names = "--seq-len",
            paramLabel = "N",
            defaultValue = "128",
            description = "Tokens the model reads per window (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "8",
            description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    @Option(
            names = "--plot",
            paramLabel = "PNG",
            description =
                    "Write per-layer perplexity (log scale) and accuracy charts of all models.")
    Path plot;

    @Option(
            names = "--spark-master",
            paramLabel = "MASTER",
            description =
                    "Evaluate as a Spark job: local[N], spark://host:7077, yarn, k8s://..."
                            + " (windows are cut here, scored on the executors; same numbers as in-process).")
    String sparkMaster;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            description =
                    "With --spark-master: spread the windows over N tasks (default: Spark's"
                            + " default parallelism).")
    Integer partitions;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show a progress bar on stderr (default: when a terminal is attached).")
    Boolean progress;

    /** One evaluated model. */
    record Evaluated(
            String model,
            String label,
            Path dir,
            int numLayers,
            int windows,
            LayerMetrics metrics) {}

    @Override
    public Integer call() throws Exception {
        SamplingChecks.require(spec, seqLen >= 1, "--seq-len must be >= 1, got " + seqLen);
        SamplingChecks.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        String threadError = ThreadLimit.check(threads);
        SamplingChecks.require(spec, threadError == null, threadError);
        for (String m : models) {
            SamplingChecks.require(spec, !m.isBlank(), "--model: empty model name");
        }
        SamplingChecks.require(
                spec,
                partitions == null || partitions >= 1,
                "--partitions must be >= 1, got " + partitions);
        SamplingChecks.require(
                spec,
                partitions == null || sparkMaster != null,
                "--partitions needs --spark-master");
        SamplingChecks.require(
                spec,
                sparkMaster == null || !sparkMaster.isBlank(),
                "--spark-master must not be empty");
        if (sparkMaster != null) {
            return callSpark();
        }
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
        }
        String text = readText();
        String dataName = data == null ? "bundled " + BundledModels.HELDOUT_FILE : data.toString();
        boolean quiet = !LogManager.getRootLogger().isInfoEnabled();
        boolean showProgress = progress != null ? progress : System.console() != null;

        List<Evaluated> results = new ArrayList<>();
        for (String m : models) {
            try (LoadedModel lm = LoadedModel.open(m, dtype.dataType(), quiet)) {
                if (lm.tokenizer == null) {
                    throw new IllegalArgumentException(
                            m + ": eval-layers needs tokenizer.json in " + lm.dir);
                }
                TokenSequences windows =
                        windows(lm.tokenizer, lm.model.getConfig(), m, text, dataName);
                LayerMetrics metrics;
                try (Progress bar = Progress.open("eval " + m, windows.size(), showProgress)) {
                    int[] exits = new int[lm.numLayers()];
                    for (int i = 0; i < exits.length; i++) {
                        exits[i] = i + 1;
                    }
                    metrics =
                            LayerEvaluator.evaluate(
                                    lm.model,
                                    windows,
                                    batch,
                                    exits,
                                    n -> {
                                        for (int i = 0; i < n; i++) {
                                            bar.step();
                                        }
                                    });
                }
                results.add(
                        new Evaluated(
                                m,
                                label(m, lm.dir, results),
                                lm.dir,
                                lm.numLayers(),
                                windows.size(),
                                metrics));
            }
        }
        return report(results, dataName);
    }

    /**
     * The same evaluation as a Spark job: the text is tokenized and cut into windows here, exactly
     * as in-process, and the windows' per-exit sums are computed on the executors.
     */
    private int callSpark() throws Exception {
        String text = readText();
        String dataName = data == null ? "bundled " + BundledModels.HELDOUT_FILE : data.toString();
        List<Evaluated> results = new ArrayList<>();
        SparkRun run = SparkRun.start(sparkMaster, threads);
        try {
            for (String m : models) {
                Path dir = ModelLocator.resolve(m);
                LlamaConfig config = HfLlama.readConfig(dir);
                List<long[]> windows;
                try (LlamaTokenizer tokenizer = tokenizer(m, dir)) {
                    TokenSequences packed = windows(tokenizer, config, m, text, dataName);
                    windows = new ArrayList<>(packed.size());
                    for (int i = 0; i < packed.size(); i++) {
                        windows.add(packed.get(i));
                    }
                }
                LayerSkipEvaluator evaluator =
                        new LayerSkipEvaluator()
                                .setModel(
                                        BatchCommand.modelArgument(
                                                m, SparkRun.isLocal(sparkMaster)))
                                .setDtype(dtype.name().toLowerCase(Locale.ROOT))
                                .setInputCol("tokens")
                                .setBatchSize(batch);
                int tasks = partitions != null ? partitions : run.defaultParallelism();
                LayerMetrics metrics =
                        run.evaluate(evaluator, windows, Math.min(tasks, windows.size()));
                results.add(
                        new Evaluated(
                                m,
                                label(m, dir, results),
                                dir,
                                config.numLayers(),
                                windows.size(),
                                metrics));
            }
        } finally {
            run.stop();
        }
        return report(results, dataName);
    }

    private static LlamaTokenizer tokenizer(String model, Path dir) {
        if (!Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
            throw new IllegalArgumentException(
                    model + ": eval-layers needs tokenizer.json in " + dir);
        }
        return LlamaTokenizer.load(dir);
    }

    private int report(List<Evaluated> results, String dataName) throws IOException {
        if (plot != null) {
            Map<String, LayerMetrics> curves = new LinkedHashMap<>();
            for (Evaluated e : results) {
                curves.put(e.label(), e.metrics());
            }
            LayerCurvePlot.save(plot, curves);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? toJson(results, dataName) : table(results, dataName));
        out.flush();
        return 0;
    }

    private String readText() throws IOException {
        if (data == null) {
            return BundledModels.heldoutText()
                    .orElseThrow(
                            () ->
                                    new IllegalArgumentException(
                                            "this build bundles no "
                                                    + BundledModels.HELDOUT_FILE
                                                    + "; give --data FILE"));
        }
        if (Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is a folder, not a text file");
        }
        String text;
        try {
            text = Files.readString(data, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("--data " + data + " is not UTF-8 text", e);
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("--data " + data + " has no text to evaluate");
        }
        return text;
    }

    private TokenSequences windows(
            LlamaTokenizer tokenizer,
            LlamaConfig config,
            String model,
            String text,
            String dataName) {
        int context = config.maxPositionEmbeddings();
        if (seqLen > context) {
            throw new IllegalArgumentException(
                    "--seq-len "
                            + seqLen
                            + " exceeds the context length of "
                            + model
                            + " (max_position_embeddings "
                            + context
                            + ")");
        }
        long tokens = TokenSequences.tokenize(tokenizer, List.of(text)).length;
        if (tokens < seqLen + 1L) {
            throw new IllegalArgumentException(
                    dataName
                            + " is "
                            + tokens
                            + " tokens for "
                            + model
                            + ", shorter than one window of"
                            + " --seq-len + 1 = "
                            + (seqLen + 1)
                            + " tokens; give more text or a"
                            + " smaller --seq-len");
        }
        return TokenSequences.pack(tokenizer, List.of(text), seqLen + 1, 0);
    }

    /** The model as given for a zoo id, the folder name for a path; made unique for the legend. */
    private static String label(String model, Path dir, List<Evaluated> earlier) {
        String base = Files.isDirectory(Path.of(model)) ? String.valueOf(dir.getFileName()) : model;
        String label = base;
        for (int k = 2; ; k++) {
            String candidate = label;
            if (earlier.stream().noneMatch(e -> e.label().equals(candidate))) {
                return label;
            }
            label = base + " (" + k + ")";
        }
    }

    private String table(List<Evaluated> results, String dataName) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "data: %s; windows of %d tokens (+1 target), batch %d%n",
                        dataName,
                        seqLen,
                        batch));
        for (Evaluated e : results) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%s: %s, %d layers, %d windows, %d predicted tokens%n",
                            e.label(),
                            e.dir(),
                            e.numLayers(),
                            e.windows(),
                            e.metrics().tokens()));
        }
        sb.append('\n');
        int maxLayers = results.stream().mapToInt(Evaluated::numLayers).max().orElse(0);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%4s", "exit"));
        List<Integer> widths = new ArrayList<>();
        for (Evaluated e : results) {
            int w = Math.max(10, e.label().length() + 4);
            widths.add(w);
            head.append(
                    String.format(
                            Locale.ROOT, "  %" + w + "s %9s", e.label() + " ppl", "accuracy"));
        }
        sb.append(head).append('\n');
        for (int l = 0; l < maxLayers; l++) {
            sb.append(String.format(Locale.ROOT, "%4d", l + 1));
            for (int i = 0; i < results.size(); i++) {
                LayerMetrics m = results.get(i).metrics();
                if (l < m.layers().length) {
                    sb.append(
                            String.format(
                                    Locale.ROOT,
                                    "  %" + widths.get(i) + ".2f %9.4f",
                                    m.perplexity()[l],
                                    m.accuracy()[l]));
                } else {
                    sb.append(
                            String.format(Locale.ROOT, "  %" + widths.get(i) + "s %9s", "-", "-"));
                }
            }
            sb.append('\n');
        }
        if (plot != null) {
            sb.append("plot: ").append(plot).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /**
     * One shape for one model and for several: the run's settings at the top level and one object
     * per model under {@code models}, in the order given.
     */
    private String toJson(List<Evaluated> results, String dataName) {
        JsonObject o = new JsonObject();
        o.addProperty("data", dataName);
        o.addProperty("seq_len", seqLen);
        o.addProperty("batch", batch);
        JsonArray all = new JsonArray();
        for (Evaluated e : results) {
            all.add(modelJson(e));
        }
        o.add("models", all);
        if (plot != null) {
            o.addProperty("plot", plot.toString());
        }
        return new GsonBuilder().disableHtmlEscaping().create().toJson(o);
    }

    private static JsonObject modelJson(Evaluated e) {
        JsonObject o = new JsonObject();
        o.addProperty("model", e.model());
        o.addProperty("label", e.label());
        o.addProperty("path", e.dir().toString());
        o.addProperty("num_layers", e.numLayers());
        o.addProperty("windows", e.windows());
        o.addProperty("tokens", e.metrics().tokens());
        JsonArray layers = new JsonArray();
        LayerMetrics m = e.metrics();
        for (int i = 0; i < m.layers().length; i++) {
            JsonObject r = new JsonObject();
            r.addProperty("layer", m.layers()[i]);
            // JSON has no Infinity/NaN: a diverged model reports null
            r.addProperty(
                    "perplexity", Double.isFinite(m.perplexity()[i]) ? m.perplexity()[i] : null);
            r.addProperty("accuracy", m.accuracy()[i]);
            layers.add(r);
        }
        o.add("layers", layers);
        return o;
    }
}
