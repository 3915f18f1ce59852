package org.layerskip.examples;

import org.testng.Assert;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the local-attention training reproduction tiny, on a synthetic corpus. */
public class LocalAttentionTrainingSmokeTest {

    private static final Path TOKENIZER =
            Path.of("../model-zoo/src/main/resources/org/layerskip/zoo/models/tiny-layerskip");

    /** Six Python-like files; the first four are training files, the others held out. */
    private static Path corpus(Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("corpus"));
        List<String> train = new ArrayList<>();
        for (int f = 0; f < 6; f++) {
            StringBuilder s = new StringBuilder("import os\n\n");
            for (int i = 0; i < 12 + 3 * f; i++) {
                s.append("def f")
                        .append(f)
                        .append('_')
                        .append(i)
                        .append("(x):\n")
                        .append("    return x * ")
                        .append(i)
                        .append(" + ")
                        .append(f)
                        .append("\n\n");
            }
            Path p = src.resolve("m" + f + ".py");
            Files.writeString(p, s.toString(), StandardCharsets.UTF_8);
            if (f < 4) {
                train.add(p.toAbsolutePath().toString());
            }
        }
        Path list = dir.resolve("train-files.txt");
        Files.write(list, train, StandardCharsets.UTF_8);
        return list;
    }

    @Test
    public void variantsShareInitAndBudgetAndReportPositions() throws Exception {
        if (!Files.isRegularFile(TOKENIZER.resolve("tokenizer.json"))) {
            throw new SkipException("bundled tokenizer missing: " + TOKENIZER);
        }
        Path dir = Files.createTempDirectory("local-training");
        String[] args = {
            "--train-files",
            corpus(dir).toString(),
            "--tokenizer",
            TOKENIZER.toString(),
            "--out",
            dir.resolve("out").toString(),
            "--seq-len",
            "32",
            "--window",
            "8",
            "--steps",
            "3",
            "--warmup",
            "1",
            "--batch",
            "2",
            "--layers",
            "2",
            "--dim",
            "32",
            "--heads",
            "2",
            "--kv-heads",
            "1",
            "--eval-batch",
            "2",
            "--turn",
            "2"
        };
        LocalAttentionTraining.Result r = LocalAttentionTraining.runExample(args);
        Assert.assertEquals(
                r.variants().stream().map(LocalAttentionTraining.Variant::name).toList(),
                List.of("full", "sliding", "block"));
        Assert.assertEquals(r.tokensPerVariant(), 3 * 2 * 32);
        Assert.assertTrue(r.heldoutWindows() > 0, "held-out windows");
        Assert.assertEquals(r.heldoutFiles().size(), 2, r.heldoutFiles().toString());
        LocalAttentionTraining.Variant full = r.variants().get(0);
        for (LocalAttentionTraining.Variant v : r.variants()) {
            Assert.assertEquals(v.initChecksum(), full.initChecksum(), 0.0, "same initial weights");
            Assert.assertTrue(v.tokensPerSecond() > 0);
            Assert.assertEquals(v.meanNll().length, 32);
            // [0, 8), [8, 16), [16, 32) and all positions, over the same held-out tokens
            Assert.assertEquals(v.buckets().size(), 4);
            Assert.assertEquals(v.buckets().get(2).from(), 16);
            Assert.assertEquals(v.buckets().get(3).tokens(), 32L * r.heldoutWindows());
            Assert.assertTrue(Double.isFinite(v.buckets().get(3).perplexity()));
        }
        Assert.assertTrue(Files.size(dir.resolve("out/position-perplexity.png")) > 1000);
        Assert.assertTrue(
                Files.readString(dir.resolve("out/buckets.csv")).startsWith("variant,from,to"));
        // a rerun with the same settings reuses the finished variants instead of training again
        LocalAttentionTraining.Result again = LocalAttentionTraining.runExample(args);
        Assert.assertEquals(
                again.variants().get(2).tokensPerSecond(), r.variants().get(2).tokensPerSecond());
        // taking turns does not change training: one variant after the other gives the same losses
        String[] oneByOne = args.clone();
        oneByOne[5] = dir.resolve("out-sequential").toString();
        oneByOne[oneByOne.length - 1] = "0";
        LocalAttentionTraining.Result sequential = LocalAttentionTraining.runExample(oneByOne);
        for (int i = 0; i < 3; i++) {
            Assert.assertEquals(
                    sequential.variants().get(i).finalLoss(), r.variants().get(i).finalLoss(), 0.0);
        }
    }
}
