package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.Arrays;
import java.util.List;

/** The invariant of self-speculation: greedy output is token-for-token the full model's. */
public class SelfSpeculativeGreedyTest {

    private NDManager manager;
    private LlamaModel model;
    private Generator generator;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        model = TinyModels.random(manager, TinyModels.config(5, false), 11);
        generator = new Generator(model);
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @Test
    public void equalsAutoregressiveForEveryExitAndDraftLength() {
        long[][] prompts = {{1}, {1, 5, 9, 33, 60, 2, 11}, {1, 44, 3}};
        for (long[] prompt : prompts) {
            GenerationOptions base =
                    GenerationOptions.builder()
                            .optMaxNewTokens(23)
                            .optEosTokenIds(List.of())
                            .build();
            long[] expected = generator.generate(prompt, base, null).tokenIds();
            Assert.assertEquals(expected.length, 23);
            for (int e = 1; e < model.numLayers(); e++) {
                for (int d : new int[] {1, 2, 3, 5, 8, 30}) {
                    GenerationOptions o =
                            base.toBuilder()
                                    .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                    .optExitLayer(e)
                                    .optNumSpeculations(d)
                                    .build();
                    GenerationResult r = generator.generate(prompt, o, null);
                    Assert.assertEquals(
                            r.tokenIds(),
                            expected,
                            "E=" + e + " d=" + d + " prompt=" + Arrays.toString(prompt));
                    Assert.assertEquals(r.finishReason(), FinishReason.LENGTH);
                    SpeculationStats s = r.speculation();
                    Assert.assertTrue(s.accepted() <= s.drafted());
                    // every verification yields accepted + 1 tokens; the first token comes from
                    // prefill
                    Assert.assertTrue(s.accepted() + s.verifications() >= 22);
                }
            }
        }
    }

    @Test
    public void stopsAtEosInsideDraftsLikeAutoregressive() {
        long[] prompt = {1, 7, 19};
        GenerationOptions free =
                GenerationOptions.builder().optMaxNewTokens(30).optEosTokenIds(List.of()).build();
        long[] reference = generator.generate(prompt, free, null).tokenIds();
        // Declare the 6th generated token an EOS id: generation must stop right there.
        long stopId = reference[5];
        int firstStop = 0;
        while (reference[firstStop] != stopId) {
            firstStop++;
        }
        GenerationOptions withEos = free.toBuilder().optEosTokenIds(List.of(stopId)).build();
        long[] auto = generator.generate(prompt, withEos, null).tokenIds();
        Assert.assertEquals(auto, Arrays.copyOf(reference, firstStop + 1));
        for (int e = 1; e < model.numLayers(); e++) {
            for (int d : new int[] {1, 3, 7}) {
                GenerationResult r =
                        generator.generate(
                                prompt,
                                withEos.toBuilder()
                                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                        .optExitLayer(e)
                                        .optNumSpeculations(d)
                                        .build(),
                                null);
                Assert.assertEquals(r.tokenIds(), auto, "E=" + e + " d=" + d);
                Assert.assertEquals(r.finishReason(), FinishReason.EOS);
            }
        }
    }

    @Test
    public void lengthLimitMidDraft() {
        long[] prompt = {1, 2, 3, 4};
        for (int max = 1; max <= 9; max++) {
            GenerationOptions o =
                    GenerationOptions.builder()
                            .optMaxNewTokens(max)
                            .optEosTokenIds(List.of())
                            .build();
            long[] expected = generator.generate(prompt, o, null).tokenIds();
            GenerationResult r =
                    generator.generate(
                            prompt,
                            o.toBuilder()
                                    .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                    .optExitLayer(2)
                                    .optNumSpeculations(4)
                                    .build(),
                            null);
            Assert.assertEquals(r.tokenIds(), expected, "max=" + max);
        }
    }

    @Test
    public void adaptiveDraftLengthKeepsOutput() {
        long[] prompt = {1, 5, 9};
        GenerationOptions o =
                GenerationOptions.builder().optMaxNewTokens(20).optEosTokenIds(List.of()).build();
        long[] expected = generator.generate(prompt, o, null).tokenIds();
        GenerationResult r =
                generator.generate(
                        prompt,
                        o.toBuilder()
                                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                .optExitLayer(3)
                                .optNumSpeculations(6)
                                .optConfidenceThreshold(0.5)
                                .build(),
                        null);
        Assert.assertEquals(r.tokenIds(), expected);
    }

    @Test
    public void recomputeAblationGivesSameTokens() {
        long[] prompt = {1, 5, 9, 4};
        GenerationOptions o =
                GenerationOptions.builder()
                        .optMaxNewTokens(18)
                        .optEosTokenIds(List.of())
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(2)
                        .optNumSpeculations(3)
                        .build();
        GenerationResult reuse = generator.generate(prompt, o, null);
        GenerationResult recompute =
                generator.generate(prompt, o.toBuilder().optReuseExitStates(false).build(), null);
        Assert.assertEquals(recompute.tokenIds(), reuse.tokenIds());
        Assert.assertEquals(recompute.speculation().accepted(), reuse.speculation().accepted());
    }

    @Test
    public void rejectsBadArguments() {
        long[] prompt = {1, 2};
        GenerationOptions.Builder b =
                GenerationOptions.builder().optStrategy(DecodingStrategy.SELF_SPECULATIVE);
        Assert.assertThrows(
                IllegalArgumentException.class,
                () -> generator.generate(prompt, b.optExitLayer(5).build(), null));
        Assert.assertThrows(IllegalArgumentException.class, () -> b.optNumSpeculations(-1).build());
        Assert.assertThrows(
                IllegalArgumentException.class,
                () -> GenerationOptions.builder().optTemperature(Double.NaN).build());
        Assert.assertThrows(
                IllegalArgumentException.class,
                () -> GenerationOptions.builder().optTopP(0).build());
        Assert.assertThrows(
                IllegalArgumentException.class,
                () ->
                        generator.generate(
                                new long[] {1, 97}, GenerationOptions.builder().build(), null));
        Assert.assertThrows(
                IllegalArgumentException.class,
                () -> generator.generate(new long[0], GenerationOptions.builder().build(), null));
    }
}
