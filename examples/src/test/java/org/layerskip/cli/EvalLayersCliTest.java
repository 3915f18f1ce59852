package org.layerskip.cli;

import static org.layerskip.cli.LayerSkipCliTest.cli;
import static org.layerskip.cli.LayerSkipCliTest.fixture;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.cli.LayerSkipCliTest.Run;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.train.LayerEvaluator;
import org.layerskip.train.LayerMetrics;
import org.layerskip.train.TokenSequences;
import org.layerskip.zoo.BundledModels;
import org.layerskip.zoo.LayerSkipModels;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code layerskip eval-layers} on the bundled tiny models: JSON shape, numbers, plot, errors. */
public class EvalLayersCliTest {

    private Path dir;
    private Path sample;
    private String sampleText;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("layerskip-eval");
        // ~2,000 tokens of the held-out split: enough windows, quick to evaluate
        sampleText = BundledModels.heldoutText().orElseThrow().substring(0, 6000);
        sample = dir.resolve("sample.py");
        Files.writeString(sample, sampleText);
    }

    /** Evaluates like the CLI does, straight through the library. */
    private static LayerMetrics direct(String model, String text, int seqLen, int batch) {
        Path folder = LayerSkipModels.resolve(model);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaTokenizer tok = LlamaTokenizer.load(folder)) {
            LlamaModel m = HfLlama.load(folder, manager, DataType.FLOAT32);
            return LayerEvaluator.evaluate(
                    m, TokenSequences.pack(tok, List.of(text), seqLen + 1, 0), batch);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int numLayers(String model) throws IOException {
        return HfLlama.readConfig(LayerSkipModels.resolve(model)).numLayers();
    }

    private static void assertLayers(JsonObject o, LayerMetrics expected, int numLayers) {
        JsonArray layers = o.getAsJsonArray("layers");
        Assert.assertEquals(layers.size(), numLayers);
        Assert.assertEquals(o.get("num_layers").getAsInt(), numLayers);
        Assert.assertEquals(o.get("tokens").getAsLong(), expected.tokens());
        for (int i = 0; i < numLayers; i++) {
            JsonObject l = layers.get(i).getAsJsonObject();
            Assert.assertEquals(l.get("layer").getAsInt(), i + 1);
            double ppl = l.get("perplexity").getAsDouble();
            double acc = l.get("accuracy").getAsDouble();
            Assert.assertTrue(Double.isFinite(ppl) && ppl > 1, "perplexity " + ppl);
            Assert.assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
            Assert.assertEquals(ppl, expected.perplexity()[i], 1e-9 * ppl, "layer " + (i + 1));
            Assert.assertEquals(acc, expected.accuracy()[i], 1e-12, "layer " + (i + 1));
        }
    }

    @Test
    public void jsonEqualsLayerEvaluator() throws IOException {
        Run r =
                cli(
                        "eval-layers",
                        "--model",
                        "tiny-layerskip",
                        "--data",
                        sample.toString(),
                        "--seq-len",
                        "48",
                        "--batch",
                        "4",
                        "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        JsonObject top = r.json();
        Assert.assertEquals(top.get("seq_len").getAsInt(), 48);
        // one shape for one model and for several: the model's fields only under "models"
        Assert.assertEquals(top.keySet(), Set.of("data", "seq_len", "batch", "models"));
        Assert.assertEquals(top.getAsJsonArray("models").size(), 1);
        JsonObject o = top.getAsJsonArray("models").get(0).getAsJsonObject();
        Assert.assertEquals(o.get("model").getAsString(), "tiny-layerskip");
        Assert.assertEquals(
                o.get("path").getAsString(), LayerSkipModels.resolve("tiny-layerskip").toString());
        LayerMetrics expected = direct("tiny-layerskip", sampleText, 48, 4);
        Assert.assertEquals(o.get("windows").getAsLong() * 48, expected.tokens());
        assertLayers(o, expected, numLayers("tiny-layerskip"));
    }

    @Test(groups = "slow")
    public void defaultDataIsTheBundledHeldoutSplit() throws IOException {
        Run r = cli("eval-layers", "--json");
        Assert.assertEquals(r.code(), 0, r.err());
        Assert.assertEquals(r.json().get("data").getAsString(), "bundled heldout.txt");
        JsonObject o = r.json().getAsJsonArray("models").get(0).getAsJsonObject();
        Assert.assertEquals(o.get("model").getAsString(), "tiny-layerskip");
        assertLayers(
                o,
                direct("tiny-layerskip", BundledModels.heldoutText().orElseThrow(), 128, 8),
                numLayers("tiny-layerskip"));
    }

    @Test
    public void comparesModelsAndPlots() throws IOException {
        Path png = dir.resolve("plots/layers.png");
        Run r =
                cli(
                        "eval-layers",
                        "--model",
                        "tiny-layerskip,tiny-baseline",
                        "--data",
                        sample.toString(),
                        "--seq-len",
                        "64",
                        "--json",
                        "--plot",
                        png.toString());
        Assert.assertEquals(r.code(), 0, r.err());
        JsonArray models = r.json().getAsJsonArray("models");
        Assert.assertEquals(models.size(), 2);
        Assert.assertFalse(r.json().has("model"), "no model's fields at the top level");
        for (int i = 0; i < 2; i++) {
            String name = i == 0 ? "tiny-layerskip" : "tiny-baseline";
            JsonObject m = models.get(i).getAsJsonObject();
            Assert.assertEquals(m.get("model").getAsString(), name);
            assertLayers(m, direct(name, sampleText, 64, 8), numLayers(name));
        }
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        Assert.assertEquals(head, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        Assert.assertEquals(r.json().get("plot").getAsString(), png.toString());

        // the repeated form is the same command; the text form is a table with one row per layer
        Run t =
                cli(
                        "eval-layers",
                        "--model",
                        "tiny-layerskip",
                        "--model",
                        "tiny-baseline",
                        "--data",
                        sample.toString(),
                        "--seq-len",
                        "64");
        Assert.assertEquals(t.code(), 0, t.err());
        List<String> rows =
                t.out()
                        .lines()
                        .filter(l -> l.matches("\\s*\\d+\\s+.*"))
                        .collect(Collectors.toList());
        Assert.assertEquals(
                rows.size(),
                Math.max(numLayers("tiny-layerskip"), numLayers("tiny-baseline")),
                t.out());
        JsonObject first =
                models.get(0).getAsJsonObject().getAsJsonArray("layers").get(0).getAsJsonObject();
        Assert.assertTrue(
                rows.get(0)
                        .contains(
                                String.format(
                                        java.util.Locale.ROOT,
                                        "%.2f",
                                        first.get("perplexity").getAsDouble())),
                rows.get(0));
        Assert.assertTrue(t.out().contains("tiny-baseline ppl"), t.out());
    }

    @DataProvider
    public Object[][] badInputs() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "  \n");
        Path shortText = Files.writeString(dir.resolve("short.txt"), "import os\n");
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'a', (byte) 0xe9, 'b'});
        String s = sample.toString();
        return new Object[][] {
            {1, new String[] {"eval-layers", "--data", dir.resolve("missing.txt").toString()}},
            {1, new String[] {"eval-layers", "--data", empty.toString()}},
            {1, new String[] {"eval-layers", "--data", shortText.toString()}},
            {1, new String[] {"eval-layers", "--data", latin1.toString()}},
            {1, new String[] {"eval-layers", "--data", dir.toString()}},
            {1, new String[] {"eval-layers", "--data", s, "--seq-len", "513"}}, // context is 512
            {
                1,
                new String[] {"eval-layers", "--data", s, "--model", fixture("tiny-f32").toString()}
            },
            {1, new String[] {"eval-layers", "--data", s, "--model", "no-such-model"}},
            {2, new String[] {"eval-layers", "--data", s, "--seq-len", "0"}},
            {2, new String[] {"eval-layers", "--data", s, "--seq-len", "x"}},
            {2, new String[] {"eval-layers", "--data", s, "--batch", "0"}},
            {2, new String[] {"eval-layers", "--data", s, "--model", ",tiny-layerskip"}},
        };
    }

    @Test(dataProvider = "badInputs")
    public void badInputIsOneErrorLine(int code, String[] args) {
        LayerSkipCliTest.assertOneErrorLine(cli(args), code);
    }
}
