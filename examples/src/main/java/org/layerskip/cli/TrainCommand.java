package org.layerskip.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.examples.TrainTinyModel;
import org.layerskip.train.LayerMetrics;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code layerskip train}: pretrains a small Llama with the LayerSkip recipe (or as its baseline
 * twin) from scratch, or continues an existing checkpoint with it ({@code --init-from}: continual
 * pretraining, the paper's main setting), saves it as a Hugging Face folder and prints the held-out
 * perplexity of every exit layer. Runs {@link TrainTinyModel}; resumable from {@code --work}.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = "Train with the LayerSkip recipe, from scratch or continuing a checkpoint.")
final class TrainCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            required = true,
            description =
                    "Training data folder as scripts/train_tokenizer.py writes it: tokenizer.json,"
                            + " tokenizer_config.json, train-files.txt (one source file per line), heldout.txt.")
    Path data;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            required = true,
            description = "Where the trained model goes (Hugging Face layout).")
    Path out;

    @Option(
            names = "--init-from",
            paramLabel = "MODEL",
            description =
                    "Continue from this checkpoint (folder or zoo id, e.g. tiny-baseline)"
                            + " instead of a random initialisation; its shape must match the options given.")
    String initFrom;

    @Option(
            names = "--work",
            paramLabel = "DIR",
            description =
                    "Checkpoints and metrics.jsonl; an interrupted run resumes from here"
                            + " (default: OUT.work).")
    Path work;

    @Option(
            names = "--variant",
            defaultValue = "layerskip",
            description =
                    "layerskip (layer dropout + early-exit loss) or baseline (neither);"
                            + " default: ${DEFAULT-VALUE}.")
    String variant;

    @Option(
            names = "--extra-documents",
            paramLabel = "FILE",
            description =
                    "More training documents, a JSON array of strings (scripts/make_copy_corpus.py).")
    Path extraDocuments;

    @Option(
            names = "--steps",
            defaultValue = "600",
            description = "Optimizer steps T (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "Rows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seq-len",
            defaultValue = "128",
            description = "Tokens per row (default: ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(
            names = "--lr",
            defaultValue = "3e-3",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(
            names = "--warmup",
            defaultValue = "50",
            description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--p-max",
            defaultValue = "0.2",
            description = "Layer dropout p_max (default: ${DEFAULT-VALUE}).")
    double pMax;

    @Option(
            names = "--e-scale",
            defaultValue = "0.5",
            description = "Early-exit loss e_scale (default: ${DEFAULT-VALUE}).")
    double eScale;

    @Option(
            names = "--dilation",
            paramLabel = "R",
            description =
                    "Rotational curriculum R: every R-th layer's exit per step (default: L - 1).")
    Integer dilation;

    @Option(
            names = "--time-curriculum",
            paramLabel = "exp|constant",
            description =
                    "S(t) of layer dropout: exp rises from 0 (from scratch), constant (continual"
                            + " pretraining). Default: constant with --init-from, else exp.")
    String timeCurriculum;

    @Option(
            names = "--seed",
            defaultValue = "1234",
            description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--layers", description = "Layers (default: the checkpoint's, else 8).")
    Integer layers;

    @Option(names = "--hidden", description = "Hidden size (default: the checkpoint's, else 192).")
    Integer hidden;

    @Option(
            names = "--intermediate",
            description = "MLP size (default: the checkpoint's, else 512).")
    Integer intermediate;

    @Option(names = "--heads", description = "Attention heads (default: the checkpoint's, else 6).")
    Integer heads;

    @Option(
            names = "--kv-heads",
            description = "Key/value heads (default: the checkpoint's, else 2).")
    Integer kvHeads;

    @Option(
            names = "--tie-embeddings",
            arity = "1",
            description = "Share the embedding and LM head (default: the checkpoint's, else true).")
    Boolean tieEmbeddings;

    @Option(
            names = "--save-dtype",
            defaultValue = "F32",
            description = "F32 or BF16 (default: ${DEFAULT-VALUE}).")
    String saveDtype;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "100",
            description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description =
                    "PyTorch intra-op threads (default: PyTorch's; 1 is fastest per core here).")
    Integer threads;

    @Option(
            names = "--progress",
            negatable = true,
            description = "Show a progress bar on stderr (default: when a terminal is attached).")
    Boolean progress;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        SamplingChecks.require(
                spec,
                variant.equals("layerskip") || variant.equals("baseline"),
                "--variant must be layerskip or baseline, got '" + variant + "'");
        SamplingChecks.require(
                spec,
                timeCurriculum == null
                        || timeCurriculum.equals("exp")
                        || timeCurriculum.equals("constant"),
                "--time-curriculum must be exp or constant, got '" + timeCurriculum + "'");
        SamplingChecks.require(
                spec,
                saveDtype.equals("F32") || saveDtype.equals("BF16"),
                "--save-dtype must be F32 or BF16, got '" + saveDtype + "'");
        SamplingChecks.require(spec, steps >= 1, "--steps must be >= 1, got " + steps);
        SamplingChecks.require(spec, batch >= 1, "--batch must be >= 1, got " + batch);
        SamplingChecks.require(spec, seqLen >= 2, "--seq-len must be >= 2, got " + seqLen);
        SamplingChecks.require(
                spec,
                warmup >= 0 && warmup < steps,
                "--warmup must be in [0, --steps), got " + warmup);
        SamplingChecks.require(
                spec,
                checkpointEvery >= 0,
                "--checkpoint-every must be >= 0, got " + checkpointEvery);
        SamplingChecks.require(
                spec, lr > 0 && Double.isFinite(lr), "--lr must be a positive number");
        SamplingChecks.require(
                spec, pMax >= 0 && pMax < 1, "--p-max must be in [0, 1), got " + pMax);
        SamplingChecks.require(
                spec, eScale >= 0 && Double.isFinite(eScale), "--e-scale must be >= 0");
        SamplingChecks.require(spec, threads == null || threads >= 1, "--threads must be >= 1");
        for (Integer v : new Integer[] {layers, hidden, intermediate, heads, kvHeads, dilation}) {
            SamplingChecks.require(
                    spec, v == null || v >= 1, "model sizes and --dilation must be >= 1");
        }
        if (!Files.isRegularFile(data.resolve("train-files.txt"))) {
            throw new IllegalArgumentException(
                    "--data "
                            + data
                            + ": no train-files.txt (write the"
                            + " folder with scripts/train_tokenizer.py)");
        }
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
        }
        List<String> a = new ArrayList<>();
        add(a, "tokenizer", data);
        add(a, "out", out);
        add(a, "work", work == null ? Path.of(out + ".work") : work);
        add(a, "variant", variant);
        if (initFrom != null) {
            add(a, "init-from", ModelLocator.resolve(initFrom));
        }
        add(a, "extra-documents", extraDocuments);
        add(a, "steps", steps);
        add(a, "batch", batch);
        add(a, "seq-len", seqLen);
        add(a, "lr", lr);
        add(a, "warmup", warmup);
        add(a, "p-max", pMax);
        add(a, "e-scale", eScale);
        add(a, "dilation", dilation);
        add(
                a,
                "time-curriculum",
                timeCurriculum != null ? timeCurriculum : initFrom != null ? "constant" : "exp");
        add(a, "seed", seed);
        add(a, "layers", layers);
        add(a, "hidden", hidden);
        add(a, "intermediate", intermediate);
        add(a, "heads", heads);
        add(a, "kv-heads", kvHeads);
        add(a, "tie-embeddings", tieEmbeddings);
        add(a, "save-dtype", saveDtype);
        add(a, "checkpoint-every", checkpointEvery);
        add(a, "copy-heldout", false);
        if (!(progress != null ? progress : System.console() != null)) {
            a.add("--no-progress");
        }
        TrainTinyModel.Result r = TrainTinyModel.runExample(a.toArray(String[]::new));
        PrintWriter pw = spec.commandLine().getOut();
        pw.println(
                json
                        ? toJson(r)
                        : String.format(
                                        Locale.ROOT,
                                        "saved %s: %d steps, final loss %.4f, %.0f tokens/s, %.0f s%n%s",
                                        r.outDir(),
                                        r.steps(),
                                        r.finalLoss(),
                                        r.tokensPerSecond(),
                                        r.seconds(),
                                        r.heldout().toTable())
                                .stripTrailing());
        pw.flush();
        return 0;
    }

    private static void add(List<String> args, String key, Object value) {
        if (value != null) {
            args.add("--" + key);
            args.add(value.toString());
        }
    }

    private String toJson(TrainTinyModel.Result r) {
        JsonObject o = new JsonObject();
        o.addProperty("out", r.outDir().toString());
        o.addProperty("init_from", initFrom);
        o.addProperty("variant", variant);
        o.addProperty("steps", r.steps());
        o.addProperty("final_loss", r.finalLoss());
        o.addProperty("tokens_per_second", r.tokensPerSecond());
        o.addProperty("seconds", r.seconds());
        LayerMetrics m = r.heldout();
        JsonArray layersJson = new JsonArray();
        for (int i = 0; i < m.layers().length; i++) {
            JsonObject l = new JsonObject();
            l.addProperty("layer", m.layers()[i]);
            l.addProperty(
                    "perplexity", Double.isFinite(m.perplexity()[i]) ? m.perplexity()[i] : null);
            l.addProperty("accuracy", m.accuracy()[i]);
            layersJson.add(l);
        }
        o.add("heldout_layers", layersJson);
        return new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(o);
    }
}
