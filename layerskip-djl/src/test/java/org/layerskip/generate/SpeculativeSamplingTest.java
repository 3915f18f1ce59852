package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.config.LlamaConfig;
import org.layerskip.engine.TokenSampler;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.List;

/**
 * Exact speculative sampling: the output distribution of self-speculative sampling equals plain
 * sampling from the full model. Two-sample chi-square tests over the joint distribution of the 2nd
 * and 3rd generated tokens of a 6-token vocabulary (36 cells, thousands of samples).
 */
public class SpeculativeSamplingTest {

    private static final int V = 6;
    private static final int N = 3000;
    // chi-square critical value for 35 degrees of freedom at p = 0.001
    private static final double CRITICAL = 66.62;

    private NDManager manager;
    private Generator generator;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        LlamaConfig c =
                LlamaConfig.builder()
                        .setVocabSize(V)
                        .setHiddenSize(16)
                        .setIntermediateSize(32)
                        .setNumLayers(3)
                        .setNumHeads(2)
                        .optNumKvHeads(1)
                        .optHeadDim(8)
                        .optRmsNormEps(1e-5)
                        .optMaxPositionEmbeddings(64)
                        .optBosTokenId(0)
                        .build();
        LlamaModel model = TinyModels.random(manager, c, 5);
        generator = new Generator(model);
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    private long[] histogram(GenerationOptions base, long seedOffset) {
        long[] counts = new long[V * V];
        long[] prompt = {0, 3, 1};
        for (int i = 0; i < N; i++) {
            GenerationOptions o = base.toBuilder().optSeed(seedOffset + i).build();
            long[] t = generator.generate(prompt, o, null).tokenIds();
            counts[(int) (t[1] * V + t[2])]++;
        }
        return counts;
    }

    private static double chiSquare(long[] a, long[] b) {
        double stat = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] + b[i] > 0) {
                double d = a[i] - b[i];
                stat += d * d / (a[i] + b[i]);
            }
        }
        return stat;
    }

    @Test(groups = "slow")
    public void selfSpeculativeSamplingKeepsTheDistribution() {
        GenerationOptions plain =
                GenerationOptions.builder()
                        .optMaxNewTokens(3)
                        .optTemperature(1.3)
                        .optTopP(0.97)
                        .optEosTokenIds(List.of())
                        .build();
        long[] full = histogram(plain, 1_000_000);
        GenerationOptions spec =
                plain.toBuilder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(1)
                        .optNumSpeculations(2)
                        .build();
        long[] speculative = histogram(spec, 2_000_000);
        double stat = chiSquare(full, speculative);
        Assert.assertTrue(stat < CRITICAL, "chi-square " + stat + " >= " + CRITICAL);

        // Power check: the draft model alone (early exit at E = 1) has a different distribution,
        // and the same test detects it.
        long[] early =
                histogram(
                        plain.toBuilder()
                                .optStrategy(DecodingStrategy.EARLY_EXIT)
                                .optExitLayer(1)
                                .build(),
                        3_000_000);
        double power = chiSquare(full, early);
        Assert.assertTrue(power > CRITICAL, "test has no power: chi-square " + power);
    }

    @Test(groups = "slow")
    public void sameSeedSameOutput() {
        GenerationOptions o =
                GenerationOptions.builder()
                        .optMaxNewTokens(12)
                        .optTemperature(0.9)
                        .optTopK(4)
                        .optSeed(77)
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(2)
                        .optNumSpeculations(3)
                        .optEosTokenIds(List.of())
                        .build();
        long[] prompt = {0, 1};
        Assert.assertEquals(
                generator.generate(prompt, o, null).tokenIds(),
                generator.generate(prompt, o, null).tokenIds());
    }

    @Test(groups = "slow")
    public void residualIsNormalisedPositivePart() {
        double[] p = {0.5, 0.3, 0.2};
        double[] q = {0.2, 0.5, 0.3};
        double[] r = TokenSampler.residual(p, q);
        Assert.assertEquals(r[0], 1.0, 1e-12);
        Assert.assertEquals(r[1], 0.0);
        Assert.assertEquals(r[2], 0.0);
    }

    @Test(groups = "slow")
    public void samplerAppliesTopKAndTopP() {
        TokenSampler s = new TokenSampler(1.0, 2, 1.0);
        double[] d = s.distribution(new float[] {0f, 2f, 1f, -1f});
        Assert.assertEquals(d[0], 0.0);
        Assert.assertEquals(d[3], 0.0);
        Assert.assertEquals(d[1] + d[2], 1.0, 1e-12);
        Assert.assertEquals(d[1] / d[2], Math.E, 1e-9);
        TokenSampler p = new TokenSampler(1.0, 0, 0.5);
        double[] e = p.distribution(new float[] {0f, 3f, 1f});
        Assert.assertEquals(e[1], 1.0, 1e-12); // top token alone already holds > 50%
    }
}
