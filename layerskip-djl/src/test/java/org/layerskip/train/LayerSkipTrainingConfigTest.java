package org.layerskip.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.train.LayerSkipTrainingConfig.CurriculumType;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.List;

/** The training configuration in torchtune-style sections, with its flat builder and accessors. */
public class LayerSkipTrainingConfigTest {

    private static LayerSkipTrainingConfig recipe() {
        return LayerSkipTrainingConfig.builder()
                .optMaxDropRate(0.2)
                .optLayerScale(LayerScale.LINEAR)
                .optEScale(0.5)
                .optCurriculum(CurriculumType.GRADUAL)
                .optLearningRate(3e-3f)
                .optWarmupSteps(5)
                .optSteps(40)
                .optBatchSize(4)
                .optSeqLen(32)
                .optSeed(7)
                .optCheckpointEvery(10)
                .build(8);
    }

    @Test
    public void sectionsHoldWhatTheBuilderWasGiven() {
        LayerSkipTrainingConfig c = recipe();
        Assert.assertEquals(
                c.layerDropout(),
                new LayerDropoutConfig(0.2, LayerScale.LINEAR, TimeCurriculum.EXP));
        Assert.assertEquals(
                c.earlyExitLoss(), new EarlyExitLossConfig(0.5, CurriculumType.GRADUAL, 7));
        Assert.assertEquals(c.run(), new RunConfig(40, 4, 32, 1, 7));
        Assert.assertEquals(c.checkpointing(), new CheckpointConfig(10, 2));
        Assert.assertEquals(c.optimizer().finalLearningRate(), 3e-4f, "lr / 10 by default");
        // the flat accessors read the sections
        Assert.assertEquals(
                List.of(c.maxDropRate(), c.eScale(), (double) c.dilation(), (double) c.steps()),
                List.of(0.2, 0.5, 7.0, 40.0));
    }

    @Test
    public void jsonHasOneObjectPerSectionAndRoundTrips() {
        LayerSkipTrainingConfig c = recipe();
        JsonObject o = JsonParser.parseString(c.toJson()).getAsJsonObject();
        Assert.assertEquals(
                o.keySet(),
                java.util.Set.of(
                        "layerDropout", "earlyExitLoss", "optimizer", "run", "checkpointing"));
        Assert.assertEquals(
                o.getAsJsonObject("layerDropout").get("maxDropRate").getAsDouble(), 0.2);
        Assert.assertEquals(LayerSkipTrainingConfig.fromJson(c.toJson()), c);
    }

    @Test
    public void baselineAndResumeRules() {
        LayerSkipTrainingConfig c = recipe();
        LayerSkipTrainingConfig base = c.asBaseline();
        Assert.assertEquals(base.maxDropRate(), 0.0);
        Assert.assertEquals(base.curriculum(), CurriculumType.NONE);
        Assert.assertEquals(base.optimizer(), c.optimizer());
        Assert.assertEquals(base.run(), c.run());
        Assert.assertTrue(
                c.sameRun(c.withCheckpointing(new CheckpointConfig(0, 5))), "cadence may differ");
        Assert.assertFalse(c.sameRun(base));
        Assert.assertFalse(c.sameRun(c.withSteps(41)));
        Assert.assertEquals(c.withSteps(3).warmupSteps(), 2, "warm-up clipped to fit");
    }

    @Test
    public void invalidValuesAreRefusedWithTheirName() {
        IllegalArgumentException p =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> LayerSkipTrainingConfig.builder().optMaxDropRate(1.0).build(4));
        Assert.assertEquals(p.getMessage(), "maxDropRate (p_max) must be in [0, 1)");
        IllegalArgumentException w =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                LayerSkipTrainingConfig.builder()
                                        .optSteps(10)
                                        .optWarmupSteps(10)
                                        .build(4));
        Assert.assertEquals(w.getMessage(), "warmupSteps must be in [0, steps)");
        IllegalArgumentException lr =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                LayerSkipTrainingConfig.fromJson(
                                        recipe().toJson()
                                                .replace(
                                                        "\"learningRate\": 0.003",
                                                        "\"learningRate\": -1")));
        Assert.assertEquals(lr.getMessage(), "learning rates must be positive");
    }
}
