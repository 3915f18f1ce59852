package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.cli.LayerSkipCli;
import org.layerskip.config.LlamaConfig;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SafetensorsDtype;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.LayerSkipTrainer;
import org.layerskip.train.LayerSkipTrainingConfig;
import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;
import org.layerskip.train.MetricsLog;
import org.layerskip.train.StepMetrics;
import org.layerskip.train.TimeCurriculum;
import org.layerskip.train.TokenSequences;
import org.layerskip.train.TrainingListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pretrains a small Llama from scratch on a text corpus, either with the LayerSkip recipe or as the
 * baseline twin, saves it as a Hugging Face folder (weights, config, tokenizer) and evaluates every
 * exit layer on held-out text.
 *
 * <p>Arguments ({@code --key value}): {@code --tokenizer DIR} (tokenizer.json,
 * tokenizer_config.json, train-files.txt, heldout.txt, as written by {@code
 * scripts/train_tokenizer.py}), {@code --out DIR}, {@code --variant layerskip|baseline}, {@code
 * --work DIR} (checkpoints + metrics.jsonl; resumed if present), and the hyperparameters {@code
 * --steps --batch --seq-len --accumulation --lr --warmup --p-max --e-scale --dilation --seed
 * --layers --hidden --intermediate --heads --kv-heads --save-dtype (F32|BF16) --tie-embeddings
 * (true|false) --max-train-files --checkpoint-every --no-progress}. {@code --extra-documents FILE}
 * adds the documents of a JSON array of strings to the training text (the copy-shaped documents of
 * {@code scripts/make_copy_corpus.py}), appended to the stream, or each whole inside one window
 * with {@code --whole-extra-documents true} ({@link WholeDocumentPacking}); {@code
 * --time-curriculum exp|constant} sets S(t) (default exp: pretraining from scratch); {@code
 * --copy-heldout false} does not copy heldout.txt next to the output folder (the bundled-model
 * layout).
 *
 * <p>{@code --init-from DIR} continues from an existing Hugging Face checkpoint instead of a random
 * initialisation (continual pretraining, the paper's main setting; {@link CheckpointShape}): the
 * architecture options then default to the checkpoint's, and one that differs from it is an error
 * naming the checkpoint and the field, before anything is written.
 *
 * <p>A damaged newest checkpoint (verified against its manifest) is an error naming the file;
 * {@code --resume-fallback} resumes from the newest intact one instead, naming what it skipped.
 */
public final class TrainTinyModel {

    private TrainTinyModel() {}

    /**
     * The outcome of a run.
     *
     * @param outDir the saved model folder
     * @param steps completed optimizer steps
     * @param finalLoss the last step's loss
     * @param tokensPerSecond average training throughput of this invocation
     * @param seconds wall time of the training part
     * @param heldout per-layer metrics of the saved model on the held-out text
     */
    public record Result(
            Path outDir,
            long steps,
            double finalLoss,
            double tokensPerSecond,
            double seconds,
            LayerMetrics heldout) {}

    /**
     * Runs from the command line and exits with {@link #run}'s code.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the example and prints its result; a failure (unreadable tokenizer, full disk,
     * unwritable {@code --work} or {@code --out} folder, bad argument) is one {@code error: ...}
     * line naming the path and the cause, without a stack trace. Checkpoints written before the
     * failure stay loadable, and running the same command again resumes from the newest one.
     *
     * @param args see the class comment
     * @param out where the result goes
     * @param err where the error line goes
     * @return 0 on success, 1 after an error
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Result r;
        try {
            r = runExample(args);
        } catch (IOException | RuntimeException e) {
            err.println("error: " + LayerSkipCli.oneLine(e));
            err.flush();
            return 1;
        }
        out.printf(
                Locale.ROOT,
                "saved %s: %d steps, final loss %.4f, %.0f tokens/s, %.0f s%n%s",
                r.outDir(),
                r.steps(),
                r.finalLoss(),
                r.tokensPerSecond(),
                r.seconds(),
                r.heldout().toTable());
        return 0;
    }

    /**
     * Runs the example.
     *
     * @param args see the class comment
     * @return the result
     * @throws IOException if files cannot be read or written
     */
    public static Result runExample(String[] args) throws IOException {
        Map<String, String> a = parse(args);
        Path tokDir = Path.of(required(a, "tokenizer"));
        Path out = Path.of(required(a, "out"));
        boolean baseline = a.getOrDefault("variant", "layerskip").equals("baseline");
        Path work = Path.of(a.getOrDefault("work", out + ".work"));
        Path initFrom = a.containsKey("init-from") ? Path.of(a.get("init-from")) : null;
        LlamaConfig init = initFrom == null ? null : HfLlama.readConfig(initFrom);
        int layers = intArg(a, "layers", init == null ? 8 : init.numLayers());
        int hidden = intArg(a, "hidden", init == null ? 192 : init.hiddenSize());
        int inter = intArg(a, "intermediate", init == null ? 512 : init.intermediateSize());
        int heads = intArg(a, "heads", init == null ? 6 : init.numHeads());
        int kvHeads = intArg(a, "kv-heads", init == null ? 2 : init.numKvHeads());
        boolean tied =
                Boolean.parseBoolean(
                        a.getOrDefault(
                                "tie-embeddings",
                                init == null ? "true" : "" + init.tieWordEmbeddings()));
        int seqLen = Integer.parseInt(a.getOrDefault("seq-len", "128"));
        SafetensorsDtype saveDtype = SafetensorsDtype.valueOf(a.getOrDefault("save-dtype", "BF16"));

        try (LlamaTokenizer tok = LlamaTokenizer.load(tokDir)) {
            String probe = "def f(x):\n    return x ** 2  # héllo\n";
            String back = tok.decode(tok.encode(probe, false));
            if (!back.equals(probe)) {
                throw new IllegalStateException("tokenizer does not round-trip: " + back);
            }
            List<Path> files = new ArrayList<>();
            for (String line :
                    Files.readAllLines(tokDir.resolve("train-files.txt"), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    files.add(Path.of(line.strip()));
                }
            }
            int maxFiles = Integer.parseInt(a.getOrDefault("max-train-files", "0"));
            if (maxFiles > 0 && files.size() > maxFiles) {
                files = files.subList(0, maxFiles);
            }
            LlamaConfig modelConfig =
                    LlamaConfig.builder()
                            .setVocabSize(tok.vocabSize())
                            .setHiddenSize(hidden)
                            .setIntermediateSize(inter)
                            .setNumLayers(layers)
                            .setNumHeads(heads)
                            .optNumKvHeads(kvHeads)
                            .optRmsNormEps(1e-5)
                            .optMaxPositionEmbeddings(512)
                            .optTieWordEmbeddings(tied)
                            .optBosTokenId((int) tok.bosTokenId().orElse(-1))
                            .optEosTokenIds(tok.eosTokenIds().stream().map(Long::intValue).toList())
                            .build();
            if (initFrom != null) {
                CheckpointShape.check(initFrom, init, modelConfig);
            }
            TimeCurriculum time =
                    TimeCurriculum.valueOf(
                            a.getOrDefault("time-curriculum", "exp").toUpperCase(Locale.ROOT));
            LayerSkipTrainingConfig.Builder b =
                    LayerSkipTrainingConfig.builder()
                            .optMaxDropRate(Double.parseDouble(a.getOrDefault("p-max", "0.2")))
                            .optTimeCurriculum(time)
                            .optEScale(Double.parseDouble(a.getOrDefault("e-scale", "0.5")))
                            .optCurriculum(CurriculumType.ROTATIONAL)
                            .optLearningRate(Float.parseFloat(a.getOrDefault("lr", "3e-3")))
                            .optWarmupSteps(Integer.parseInt(a.getOrDefault("warmup", "30")))
                            .optSteps(Integer.parseInt(a.getOrDefault("steps", "600")))
                            .optBatchSize(Integer.parseInt(a.getOrDefault("batch", "16")))
                            .optSeqLen(seqLen)
                            .optAccumulation(Integer.parseInt(a.getOrDefault("accumulation", "1")))
                            .optSeed(Long.parseLong(a.getOrDefault("seed", "1234")))
                            .optCheckpointEvery(
                                    Integer.parseInt(a.getOrDefault("checkpoint-every", "100")));
            if (a.containsKey("dilation")) {
                b.optDilation(Integer.parseInt(a.get("dilation")));
            }
            LayerSkipTrainingConfig cfg = b.build(layers);
            if (baseline) {
                cfg = cfg.asBaseline();
            }
            List<String> documents = new ArrayList<>(TokenSequences.readAll(files));
            TokenSequences train;
            List<String> extra =
                    a.containsKey("extra-documents")
                            ? DocumentList.read(Path.of(a.get("extra-documents")))
                            : List.of();
            if (Boolean.parseBoolean(a.getOrDefault("whole-extra-documents", "false"))) {
                train =
                        TokenSequences.of(
                                WholeDocumentPacking.pack(
                                        TokenSequences.tokenize(tok, documents),
                                        WholeDocumentPacking.tokenizeEach(tok, extra),
                                        seqLen + 1),
                                cfg.seed());
            } else {
                documents.addAll(extra); // appended to the stream, cut like the rest
                train = TokenSequences.pack(tok, documents, seqLen + 1, cfg.seed());
            }
            String heldText =
                    Files.readString(tokDir.resolve("heldout.txt"), StandardCharsets.UTF_8);
            TokenSequences held = TokenSequences.pack(tok, List.of(heldText), seqLen + 1, 0);
            System.err.printf(
                    Locale.ROOT,
                    "%s: %d train windows (%d tokens), %d held-out windows; %d params%n",
                    baseline ? "baseline" : "layerskip",
                    train.size(),
                    (long) train.size() * (seqLen + 1),
                    held.size(),
                    modelConfig.parameterCount());

            try (NDManager manager = NDManager.newBaseManager();
                    MetricsLog log = new MetricsLog(work.resolve("metrics.jsonl"));
                    ProgressBarListener bar =
                            new ProgressBarListener(baseline ? "baseline" : "layerskip")) {
                LlamaModel model =
                        initFrom == null
                                ? LayerSkipTrainer.newModel(modelConfig, manager, cfg.seed())
                                : LayerSkipTrainer.loadForTraining(initFrom, manager);
                LayerSkipTrainer trainer =
                        new LayerSkipTrainer(model, cfg, train, work.resolve("checkpoints"));
                trainer.resume(a.containsKey("resume-fallback"))
                        .ifPresent(
                                p -> {
                                    for (String skipped : p.skipped()) {
                                        System.err.println(
                                                "warning: skipped damaged checkpoint: " + skipped);
                                    }
                                    System.err.println("resumed from step " + p.step());
                                });
                boolean progress = !a.containsKey("no-progress");
                TrainingListener both =
                        new TrainingListener() {
                            @Override
                            public void onStart(long start, long total) {
                                if (progress) {
                                    bar.onStart(start, total);
                                }
                            }

                            @Override
                            public void onStep(StepMetrics m) {
                                log.onStep(m);
                                if (progress) {
                                    bar.onStep(m);
                                } else if (m.step() % 20 == 0) {
                                    System.err.printf(
                                            Locale.ROOT,
                                            "step %d loss %.4f last %.4f %.0f tok/s eta %s%n",
                                            m.step(),
                                            m.loss(),
                                            m.lastLayerLoss(),
                                            m.tokensPerSecond(),
                                            ProgressBarListener.formatSeconds(m.etaSeconds()));
                                }
                            }

                            @Override
                            public void onCheckpoint(long step, Path dir) {
                                log.onCheckpoint(step, dir);
                            }
                        };
                LayerSkipTrainer.Summary s = trainer.train(cfg.steps(), both);
                bar.close();
                HfLlama.save(model, out, saveDtype, Long.MAX_VALUE);
                for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                    Files.copy(
                            tokDir.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
                if (Boolean.parseBoolean(a.getOrDefault("copy-heldout", "true"))) {
                    Files.copy(
                            tokDir.resolve("heldout.txt"),
                            out.resolveSibling("heldout.txt"),
                            StandardCopyOption.REPLACE_EXISTING);
                }
                LayerMetrics metrics;
                try (NDManager evalManager = NDManager.newBaseManager()) {
                    LlamaModel saved = HfLlama.load(out, evalManager, DataType.FLOAT32);
                    metrics = LayerEvaluator.evaluate(saved, held, 8);
                }
                log.logEvaluation(trainer.getStep(), metrics);
                Files.writeString(
                        work.resolve("heldout-layers.md"),
                        metrics.toTable(),
                        StandardCharsets.UTF_8);
                return new Result(
                        out,
                        trainer.getStep(),
                        s.finalLoss(),
                        s.tokensPerSecond(),
                        s.seconds(),
                        metrics);
            }
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --key, got " + args[i]);
            }
            String key = args[i].substring(2);
            if (key.equals("no-progress") || key.equals("resume-fallback")) {
                m.put(key, "true");
            } else {
                m.put(key, args[++i]);
            }
        }
        return m;
    }

    private static int intArg(Map<String, String> a, String key, int fallback) {
        String v = a.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    private static String required(Map<String, String> a, String key) {
        String v = a.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
