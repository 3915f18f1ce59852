package org.layerskip.cli;

import static org.layerskip.cli.LayerSkipCliTest.assertOneErrorLine;
import static org.layerskip.cli.LayerSkipCliTest.cli;

import com.google.gson.JsonObject;

import org.layerskip.cli.LayerSkipCliTest.Run;
import org.layerskip.config.LlamaConfig;
import org.layerskip.io.HfLlama;
import org.layerskip.zoo.LayerSkipModels;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code layerskip train}: continual pretraining really starts from the checkpoint, a checkpoint of
 * another shape is one clear error before anything is written, and bad options are usage errors.
 */
public class TrainCliTest {

    private Path data;
    private Path baseline;
    private LlamaConfig shape;

    /**
     * A small data folder with the bundled models' tokenizer (as train_tokenizer.py lays it out).
     */
    @BeforeClass
    public void setUp() throws IOException {
        baseline = LayerSkipModels.resolve("tiny-baseline");
        shape = HfLlama.readConfig(baseline);
        data = Files.createTempDirectory("layerskip-train-cli");
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(baseline.resolve(f), data.resolve(f));
        }
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            corpus.append("def add")
                    .append(i)
                    .append("(x, y):\n    return x + y * ")
                    .append(i)
                    .append("\n\n");
        }
        Path train = Files.writeString(data.resolve("corpus.py"), corpus);
        Files.writeString(data.resolve("train-files.txt"), train + "\n");
        Files.writeString(data.resolve("heldout.txt"), corpus.substring(0, 600));
    }

    private List<String> args(Path out, String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--out",
                                out.toString(),
                                "--steps",
                                "1",
                                "--warmup",
                                "0",
                                "--batch",
                                "2",
                                "--seq-len",
                                "16",
                                "--threads",
                                "1",
                                "--checkpoint-every",
                                "0",
                                "--json"));
        a.addAll(List.of(extra));
        return a;
    }

    private static Run run(List<String> args) {
        return cli(args.toArray(String[]::new));
    }

    /**
     * The first step's loss of a run continued from the trained baseline is far below that of the
     * same architecture from a random initialisation (ln 2048 = 7.6 nats), and the saved model
     * keeps the checkpoint's shape.
     */
    @Test(groups = "slow")
    public void continuingFromACheckpointStartsFromItsWeights() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-train-cli-out");
        Run cont = run(args(dir.resolve("continued"), "--init-from", "tiny-baseline"));
        Assert.assertEquals(cont.code(), 0, cont.err());
        JsonObject c = cont.json();
        Assert.assertEquals(c.get("steps").getAsInt(), 1);
        Assert.assertEquals(c.get("init_from").getAsString(), "tiny-baseline");
        Assert.assertEquals(c.getAsJsonArray("heldout_layers").size(), shape.numLayers());
        LlamaConfig saved = HfLlama.readConfig(dir.resolve("continued"));
        Assert.assertEquals(saved.numLayers(), shape.numLayers());
        Assert.assertEquals(saved.hiddenSize(), shape.hiddenSize());
        Assert.assertFalse(
                Files.exists(dir.resolve("heldout.txt")), "the CLI writes only --out and --work");

        Run scratch =
                run(
                        args(
                                dir.resolve("scratch"),
                                "--layers",
                                "" + shape.numLayers(),
                                "--hidden",
                                "" + shape.hiddenSize(),
                                "--intermediate",
                                "" + shape.intermediateSize(),
                                "--heads",
                                "" + shape.numHeads(),
                                "--kv-heads",
                                "" + shape.numKvHeads(),
                                "--tie-embeddings",
                                "" + shape.tieWordEmbeddings()));
        Assert.assertEquals(scratch.code(), 0, scratch.err());
        double fromCheckpoint = c.get("final_loss").getAsDouble();
        double fromScratch = scratch.json().get("final_loss").getAsDouble();
        Assert.assertTrue(fromScratch > 7.0, "random init: " + fromScratch);
        Assert.assertTrue(
                fromCheckpoint < fromScratch - 2.0, fromCheckpoint + " vs " + fromScratch);
    }

    @Test(groups = "slow")
    public void aCheckpointOfAnotherShapeIsOneErrorAndNothingIsWritten() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-train-cli-shape");
        Path out = dir.resolve("out");
        Run r =
                run(
                        args(
                                out,
                                "--init-from",
                                "tiny-baseline",
                                "--layers",
                                "" + (shape.numLayers() + 1),
                                "--hidden",
                                "" + (shape.hiddenSize() * 2)));
        assertOneErrorLine(r, 1);
        Assert.assertTrue(r.err().contains(baseline.resolve("config.json").toString()), r.err());
        Assert.assertTrue(
                r.err()
                        .contains(
                                "num_hidden_layers "
                                        + shape.numLayers()
                                        + " in the checkpoint, "
                                        + (shape.numLayers() + 1)
                                        + " configured"),
                r.err());
        Assert.assertTrue(r.err().contains("hidden_size"), r.err());
        try (var s = Files.list(dir)) {
            Assert.assertEquals(s.count(), 0L, "nothing written");
        }
    }

    @Test(groups = "slow")
    public void badOptionsAreUsageErrors() throws IOException {
        Path out = Files.createTempDirectory("layerskip-train-cli-bad").resolve("out");
        assertOneErrorLine(run(args(out, "--variant", "other")), 2);
        assertOneErrorLine(run(args(out, "--time-curriculum", "linear")), 2);
        assertOneErrorLine(run(args(out, "--p-max", "1.5")), 2);
        assertOneErrorLine(run(args(out, "--layers", "0")), 2);
        assertOneErrorLine(cli("train", "--out", out.toString()), 2); // --data is required
        Run missing =
                cli(
                        "train",
                        "--data",
                        out.resolveSibling("nope").toString(),
                        "--out",
                        out.toString());
        assertOneErrorLine(missing, 1);
        Assert.assertTrue(missing.err().contains("no train-files.txt"), missing.err());
        assertOneErrorLine(run(args(out, "--init-from", "no-such-model")), 1);
        Assert.assertFalse(Files.exists(out));
    }
}
