package org.layerskip.examples;

import com.google.gson.Gson;

import org.layerskip.config.LayerAttention;
import org.layerskip.config.LlamaConfig;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerSkipTrainingConfig;
import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;
import org.layerskip.train.TimeCurriculum;
import org.layerskip.zoo.LayerSkipModels;

import java.io.IOException;
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
 * <p>Sliding-window layers train with the masked dense {@code T x T} computation; block layers with
 * dense {@code B x B} blocks (O(T·B)), so only the block variant trains faster than full attention
 * here.
 *
 * <p>Arguments ({@code --key value}): {@code --train-files} (train-files.txt of {@code
 * scripts/train_tokenizer.py}), {@code --corpus} (default: the folder of the first training file),
 * {@code --tokenizer} (default: the bundled tiny-layerskip folder), {@code --out}, {@code
 * --variants full,sliding,block}, {@code --window} (W = B), {@code --seq-len --steps --batch --lr
 * --warmup --seed --layers --dim --intermediate --heads --kv-heads --eval-batch}, {@code --recipe
 * baseline|layerskip} (layerskip adds layer dropout and the early-exit loss), {@code --turn N}: the
 * variants train one at a time on the same thread, taking turns of N steps (default 10) so that
 * they share whatever other load the machine has; 0 trains them one after the other. Finished
 * variants are kept in {@code <out>/variants/} and reused by a rerun with the same settings.
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
     * @param tokensPerSecond training throughput over its own turns (JIT warm-up included)
     * @param medianStepTokensPerSecond median per-step throughput, first 5 steps excluded
     * @param trainSeconds training wall time of its own turns
     * @param loadAverage the system load average at the start of each of its turns: mean and max
     *     (other jobs on the machine)
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
     * @param window W = B, the window of the sliding and the block of the block variant
     * @param trainWindows training windows of {@code T + 1} tokens
     * @param heldoutWindows held-out windows
     * @param heldoutFiles held-out files used (windows each)
     * @param tokensPerVariant training tokens each variant saw
     * @param variants the variants, in order
     * @param outDir where the CSV, JSON and PNG went
     */
    public record Result(
            String settings,
            int window,
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
                            "%s T=%d W=B=%d L=%d D=%d F=%d H=%d/%d steps=%d batch=%d lr=%s"
                                    + " warmup=%d seed=%d train-windows=%d heldout-windows=%d",
                            layerskip ? "layerskip" : "baseline",
                            seqLen,
                            window,
                            base.numLayers(),
                            base.hiddenSize(),
                            base.intermediateSize(),
                            base.numHeads(),
                            base.numKvHeads(),
                            steps,
                            batch,
                            a.get("lr", "3e-3"),
                            cfg.warmupSteps(),
                            seed,
                            docs.train().length,
                            docs.heldout().length);
            System.err.println(settings + "; held-out " + docs.heldoutFiles());
            Map<String, LayerAttention> kinds = new LinkedHashMap<>();
            kinds.put("full", LayerAttention.FULL);
            kinds.put("sliding", LayerAttention.sliding(window));
            kinds.put("block", LayerAttention.chunked(window));
            int turn = a.getInt("turn", 10);
            Map<String, Variant> done = new LinkedHashMap<>();
            Map<String, VariantRun> runs = new LinkedHashMap<>();
            try {
                for (String name : a.get("variants", "full,sliding,block").split(",")) {
                    String n = name.strip();
                    LayerAttention kind = kinds.get(n);
                    if (kind == null) {
                        throw new IllegalArgumentException("unknown variant " + n);
                    }
                    Variant v = reuse(cachePath(out, n), settings);
                    done.put(n, v);
                    if (v == null) {
                        runs.put(
                                n,
                                new VariantRun(
                                        n,
                                        base.withLayerAttention(List.of(kind)),
                                        cfg,
                                        docs.train()));
                    }
                }
                // take turns of `turn` steps, so every variant trains under the same machine load
                for (long until = turn > 0 ? turn : steps; ; until += turn) {
                    for (VariantRun run : runs.values()) {
                        run.advance(Math.min(until, steps));
                    }
                    if (until >= steps || turn <= 0) {
                        break;
                    }
                }
                for (Map.Entry<String, VariantRun> e : runs.entrySet()) {
                    Variant v =
                            e.getValue()
                                    .finish(
                                            docs.heldout(),
                                            window,
                                            a.getInt("eval-batch", 4),
                                            settings);
                    Files.createDirectories(cachePath(out, e.getKey()).getParent());
                    Files.writeString(
                            cachePath(out, e.getKey()),
                            new Gson().toJson(v),
                            StandardCharsets.UTF_8);
                    done.put(e.getKey(), v);
                }
            } finally {
                runs.values().forEach(VariantRun::close);
            }
            List<Variant> variants = new ArrayList<>(done.values());
            Result r =
                    new Result(
                            settings,
                            window,
                            docs.train().length,
                            docs.heldout().length,
                            docs.heldoutFiles(),
                            (long) steps * batch * seqLen,
                            variants,
                            out);
            LocalAttentionReport.write(r);
            return r;
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
        return LlamaConfig.builder()
                .setVocabSize(tok.vocabSize())
                .setHiddenSize(dim)
                .setIntermediateSize(a.getInt("intermediate", 3 * dim))
                .setNumLayers(a.getInt("layers", 4))
                .setNumHeads(heads)
                .optNumKvHeads(a.getInt("kv-heads", 2))
                .optRmsNormEps(1e-5)
                .optMaxPositionEmbeddings(seqLen)
                .optTieWordEmbeddings(true)
                .optBosTokenId((int) tok.bosTokenId().orElse(-1))
                .optEosTokenIds(tok.eosTokenIds().stream().map(Long::intValue).toList())
                .build();
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

    private static Path cachePath(Path out, String variant) {
        return out.resolve("variants").resolve(variant + ".json");
    }
}
