package org.layerskip.examples;

import org.layerskip.generate.DecodingStrategy;
import org.testng.Assert;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * Runs every example small: on a copy of the tiny-f32 fixture with the tiny tokenizer, and
 * EvaluateLayers on the bundled tiny models.
 */
public class ExamplesSmokeTest {

    private String model;

    @BeforeClass
    public void setUp() throws IOException {
        Path dir = Files.createTempDirectory("layerskip-examples");
        Path fixtures = Paths.get(System.getProperty("layerskip.fixtures", "../.cache/fixtures"));
        Path tokenizer =
                Paths.get(System.getProperty("user.dir"))
                        .resolve("../layerskip-djl/src/test/resources/tokenizers/tiny");
        for (Path src : new Path[] {fixtures.resolve("tiny-f32"), tokenizer}) {
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".json") || n.endsWith(".safetensors")) {
                        Files.copy(f, dir.resolve(n));
                    }
                }
            }
        }
        model = dir.toString();
    }

    @Test
    public void generateText() throws Exception {
        GenerateText.Result r =
                GenerateText.runExample(
                        "--model",
                        model,
                        "--prompt",
                        "the cat",
                        "--max-new-tokens",
                        "12",
                        "--exit-layer",
                        "2",
                        "--num-speculations",
                        "3");
        Assert.assertTrue(r.tokenIds().length > 0 && r.tokenIds().length <= 12);
        Assert.assertTrue(r.drafted() >= r.accepted());
    }

    @Test
    public void benchmarkStrategies() throws Exception {
        BenchmarkStrategies.Result r =
                BenchmarkStrategies.runExample("--model", model, "--max-new-tokens", "8");
        Assert.assertEquals(r.rows().size(), 3);
        Assert.assertEquals(r.rows().get(0).strategy(), DecodingStrategy.AUTOREGRESSIVE);
        Assert.assertEquals(r.rows().get(0).speedup(), 1.0, 1e-9);
        double rate = r.rows().get(2).acceptanceRate(); // random tiny weights: may be 0
        Assert.assertTrue(rate >= 0 && rate <= 1, "acceptance " + rate);
    }

    @Test
    public void sweepExitLayers() throws Exception {
        SweepExitLayers.Result r =
                SweepExitLayers.runExample(
                        "--model", model, "--max-new-tokens", "6", "--draft-lengths", "1,3");
        Assert.assertEquals(r.numLayers(), 4);
        Assert.assertEquals(r.points().size(), 3 * 2);
    }

    @Test
    public void evaluateLayers() throws Exception {
        Path png = Files.createTempDirectory("layerskip-eval").resolve("curves.png");
        EvaluateLayers.Result r =
                EvaluateLayers.runExample(
                        "--max-chars", "3000", "--seq-len", "32", "--plot", png.toString());
        Assert.assertEquals(
                r.metrics().keySet(), java.util.Set.of("tiny-layerskip", "tiny-baseline"));
        for (org.layerskip.train.LayerMetrics m : r.metrics().values()) {
            Assert.assertEquals(m.layers().length, 16);
            Assert.assertTrue(m.tokens() >= 32, "tokens " + m.tokens());
            for (double p : m.perplexity()) {
                Assert.assertTrue(Double.isFinite(p) && p > 1, "perplexity " + p);
            }
        }
        Assert.assertEquals(r.plot(), png);
        Assert.assertEquals(javax.imageio.ImageIO.read(png.toFile()).getWidth(), 1280);
    }
}
