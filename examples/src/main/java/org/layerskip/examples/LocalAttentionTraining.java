package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.Gson;

import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.config.RopeScaling;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerSkipTrainer;
import org.layerskip.train.LayerSkipTrainingConfig;
import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;
import org.layerskip.train.StepMetrics;
import org.layerskip.train.TimeCurriculum;
import org.layerskip.train.TokenSequences;
import org.layerskip.train.TrainingListener;
import org.layerskip.zoo.LayerSkipModels;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Xiong et al. (NAACL 2022) at small scale: trains full-attention, sliding-window and
 * disjoint-block variants of the same small Llama on long documents of one corpus with an identical
 * budget (same initialisation, data order, steps and tokens), then reports held-out perplexity by
 * position in the window (where long context can matter) and training tokens/s.
 *
 * <p>Sliding-window layers train with the masked dense {@code T x T} computation; block layers
 * with dense {@code B x B} blocks (O(T·B)), so only the block variant trains faster than full
 * attention here.
 *
 * <p>Arguments ({@code --key value}): {@code --train-files} (train-files.txt of {@code
 * scripts/train_tokenizer.py}), {@code --corpus} (default: the folder of the first training file),
 * {@code --tokenizer} (default: the bundled tiny-layerskip folder), {@code --out}, {@code
 * --variants full,sliding,block}, {@code --window} (W = B), {@code --seq-len --steps --batch --lr
 * --warmup --seed --layers --dim --intermediate --heads --kv-heads --eval-batch}, {@code --recipe
 * baseline|layerskip} (layerskip adds layer dropout and the early-exit loss). A finished variant's
 * result is kept in {@code <out>/variants/} and reused by a rerun with the same settings.
 */
public final class LocalAttentionTraining {

    /**
     * One trained variant.
     *
     * @param name "full", "sliding" or "block"
     * @param attention its layers' attention
     * @param initChecksum sum of |w| over the initial parameters (equal across variants)
     * @param firstLoss the first step's loss
     * @param finalLoss the last step's loss
     * @param tokensPerSecond training throughput over the whole run (JIT warm-up included)
     * @param medianStepTokensPerSecond median per-step throughput, first 5 steps excluded
     * @param trainSeconds training wall time
     * @param loadAverage system load average before and after training (other jobs on the machine)
     * @param buckets held-out perplexity by position bucket, then over all positions
     * @param meanNll held-out mean negative log-likelihood at each position
     * @param settings the settings it was trained with (reuse key)
     */
    public record Variant(
            String name,
            LayerAttention attention,
            double initChecksum,
            double firstLoss,
            double finalLoss,
            double tokensPerSecond,
            double medianStepTokensPerSecond,
            double trainSeconds,
            double[] loadAverage,
            List<PositionPerplexity.Bucket> buckets,
            double[] meanNll,
            String settings) {}

    /**
     * The outcome.
     *
     * @param settings the shared settings
     * @param trainWindows training windows of {@code T + 1} tokens
     * @param heldoutWindows held-out windows
     * @param heldoutFiles held-out files used (windows each)
     * @param tokensPerVariant training tokens each variant saw
     * @param variants the variants, in order
     * @param outDir where the CSV, JSON and PNG went
     */
    public record Result(
            String settings,
            int trainWindows,
            int heldoutWindows,
            List<String> heldoutFiles,
            long tokensPerVariant,
            List<Variant> variants,
            Path outDir) {}

    private LocalAttentionTraining() {}

    /**
     * Runs from the command line.
     *
     * @param args see the class comment
     * @throws IOException if files cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Result r = runExample(args);
        System.out.print(LocalAttentionReport.markdownTable(r));
        System.out.println("outputs in " + r.outDir());
    }

    /**
     * Trains and evaluates every variant.
     *
     * @param args see the class comment
     * @return the result
     * @throws IOException if files cannot be read or written
     */
    public static Result runExample(String... args) throws IOException {
        ExampleArgs a = new ExampleArgs(args);
        Path trainList = Path.of(a.get("train-files", "build-out/tiny/tokenizer/train-files.txt"));
        Path out = Path.of(a.get("out", "build-out/local-attention-training"));
        int seqLen = a.getInt("seq-len", 512);
        int window = a.getInt("window", 64);
        int steps = a.getInt("steps", 300);
        int batch = a.getInt("batch", 4);
        long seed = Long.parseLong(a.get("seed", "1234"));
        boolean layerskip = a.get("recipe", "baseline").equals("layerskip");
        Path tokDir =
                a.get("tokenizer", null) == null
                        ? LayerSkipModels.resolve("tiny-layerskip")
                        : Path.of(a.get("tokenizer", null));
        try (LlamaTokenizer tok = LlamaTokenizer.load(tokDir)) {
            Path corpus =
                    Path.of(a.get("corpus", firstTrainFile(trainList).getParent().toString()));
            LongDocuments docs = LongDocuments.load(tok, trainList, corpus, seqLen + 1);
            LlamaConfig base = modelConfig(a, tok, seqLen);
            LayerSkipTrainingConfig cfg = trainingConfig(a, base.numLayers(), seqLen, layerskip);
            String settings =
                    String.format(
                            Locale.ROOT,
                            "%s T=%d W=B=%d L=%d D=%d steps=%d batch=%d lr=%s seed=%d"
                                    + " train-windows=%d heldout-windows=%d",
                            layerskip ? "layerskip" : "baseline", seqLen, window,
                            base.numLayers(), base.hiddenSize(), steps, batch, a.get("lr", "3e-3"),
                            seed, docs.train().length, docs.heldout().length);
            System.err.println(settings + "; held-out " + docs.heldoutFiles());
            Map<String, LayerAttention> kinds = new LinkedHashMap<>();
            kinds.put("full", LayerAttention.FULL);
            kinds.put("sliding", LayerAttention.sliding(window));
            kinds.put("block", LayerAttention.chunked(window));
            List<Variant> variants = new ArrayList<>();
            for (String name : a.get("variants", "full,sliding,block").split(",")) {
                LayerAttention kind = kinds.get(name.strip());
                if (kind == null) {
                    throw new IllegalArgumentException("unknown variant " + name);
                }
                Path cached = out.resolve("variants").resolve(name.strip() + ".json");
                Variant v = reuse(cached, settings);
                if (v == null) {
                    v = train(name.strip(), base.withLayerAttention(List.of(kind)), cfg, docs,
                            window, a.getInt("eval-batch", 4), settings);
                    Files.createDirectories(cached.getParent());
                    Files.writeString(cached, new Gson().toJson(v), StandardCharsets.UTF_8);
                }
                variants.add(v);
            }
            Result r =
                    new Result(
                            settings, docs.train().length, docs.heldout().length,
                            docs.heldoutFiles(), (long) steps * batch * seqLen, variants, out);
            LocalAttentionReport.write(r, window);
            return r;
        }
    }

    private static Variant train(
            String name,
            LlamaConfig config,
            LayerSkipTrainingConfig cfg,
            LongDocuments docs,
            int window,
            int evalBatch,
            String settings)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = LayerSkipTrainer.newModel(config, manager, cfg.seed());
            double checksum = 0;
            for (var p : model.getParameters()) {
                checksum += p.getValue().getArray().abs().sum().toType(DataType.FLOAT64, false)
                        .getDouble();
            }
            TokenSequences data = TokenSequences.of(docs.train(), cfg.seed());
            LayerSkipTrainer trainer = new LayerSkipTrainer(model, cfg, data, null);
            List<Double> stepRates = new ArrayList<>();
            double load0 = loadAverage();
            LayerSkipTrainer.Summary s =
                    trainer.train(
                            cfg.steps(),
                            new TrainingListener() {
                                @Override
                                public void onStep(StepMetrics m) {
                                    stepRates.add(m.tokensPerSecond());
                                    if (m.step() % 25 == 0 || m.step() + 1 == m.totalSteps()) {
                                        System.err.printf(
                                                Locale.ROOT,
                                                "%s step %d loss %.4f %.0f tok/s%n",
                                                name, m.step(), m.loss(), m.tokensPerSecond());
                                    }
                                }
                            });
            double load1 = loadAverage();
            double[] nll = PositionPerplexity.meanNll(model, docs.heldout(), evalBatch);
            double[] rates =
                    stepRates.subList(Math.min(5, stepRates.size() - 1), stepRates.size()).stream()
                            .mapToDouble(Double::doubleValue)
                            .sorted()
                            .toArray();
            return new Variant(
                    name,
                    config.layerAttention().get(0),
                    checksum,
                    s.losses()[0],
                    s.finalLoss(),
                    s.tokensPerSecond(),
                    rates[rates.length / 2],
                    s.seconds(),
                    new double[] {load0, load1},
                    PositionPerplexity.buckets(nll, docs.heldout().length, window),
                    nll,
                    settings);
        }
    }

    private static Variant reuse(Path cached, String settings) throws IOException {
        if (!Files.isRegularFile(cached)) {
            return null;
        }
        Variant v = new Gson().fromJson(Files.readString(cached), Variant.class);
        return v != null && settings.equals(v.settings()) ? v : null;
    }

    private static LlamaConfig modelConfig(ExampleArgs a, LlamaTokenizer tok, int seqLen) {
        int dim = a.getInt("dim", 128);
        int heads = a.getInt("heads", 4);
        return new LlamaConfig(
                tok.vocabSize(),
                dim,
                a.getInt("intermediate", 3 * dim),
                a.getInt("layers", 4),
                heads,
                a.getInt("kv-heads", 2),
                dim / heads,
                1e-5,
                10000,
                RopeScaling.NONE,
                seqLen,
                true,
                (int) tok.bosTokenId().orElse(-1),
                tok.eosTokenIds().stream().map(Long::intValue).toList(),
                "float32");
    }

    private static LayerSkipTrainingConfig trainingConfig(
            ExampleArgs a, int layers, int seqLen, boolean layerskip) {
        LayerSkipTrainingConfig cfg =
                LayerSkipTrainingConfig.builder()
                        .optMaxDropRate(0.2)
                        .optTimeCurriculum(TimeCurriculum.EXP)
                        .optEScale(0.5)
                        .optCurriculum(CurriculumType.ROTATIONAL)
                        .optDilation(2)
                        .optLearningRate(Float.parseFloat(a.get("lr", "3e-3")))
                        .optWarmupSteps(a.getInt("warmup", 30))
                        .optSteps(a.getInt("steps", 300))
                        .optBatchSize(a.getInt("batch", 4))
                        .optSeqLen(seqLen)
                        .optSeed(Long.parseLong(a.get("seed", "1234")))
                        .build(layers);
        return layerskip ? cfg : cfg.asBaseline();
    }

    private static Path firstTrainFile(Path trainList) throws IOException {
        return Files.readAllLines(trainList, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank())
                .map(l -> Path.of(l.strip()).toAbsolutePath())
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(trainList + " lists no files"));
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
