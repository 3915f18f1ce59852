package org.layerskip.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import org.layerskip.testing.Assertions;
import org.testng.annotations.Test;

public class LayerDropoutScheduleTest {

    /** Rounds to the number of decimals the paper prints. */
    private static double round(double value, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(value * f) / f;
    }

    @Test
    public void paperWorkedExampleExpScale() {
        // [P §4.1.1]: L = 32, p_max = 0.1 -> p = 0, 0.0094, 0.0196, 0.043, 0.071, 0.1 at 0, 4, 8,
        // 16, 24, 31
        LayerDropoutSchedule s =
                LayerDropoutSchedule.builder().setMaxRate(0.1).setNumLayers(32).build();
        assertEquals(s.getLayerScale(), LayerScale.EXP);
        assertEquals(s.rate(0, 0), 0.0, 0.0);
        assertEquals(round(s.rate(4, 0), 4), 0.0094, 0.0);
        assertEquals(round(s.rate(8, 0), 4), 0.0196, 0.0);
        assertEquals(round(s.rate(16, 0), 3), 0.043, 0.0);
        assertEquals(round(s.rate(24, 0), 3), 0.071, 0.0);
        assertEquals(s.rate(31, 0), 0.1, 1e-15);
        // and the exact formula
        for (int l = 0; l < 32; l++) {
            assertEquals(s.rate(l, 123), 0.1 * (Math.pow(2, l / 31.0) - 1), 1e-15);
        }
        // mean of D over the layers is about 0.44 [P]
        double mean = 0;
        for (int l = 0; l < 32; l++) {
            mean += LayerScale.EXP.scale(l, 32) / 32;
        }
        assertEquals(round(mean, 2), 0.44, 0.0);
    }

    @Test
    public void ratesMatchRateAndTimeCurriculum() {
        LayerDropoutSchedule s =
                LayerDropoutSchedule.builder()
                        .setMaxRate(0.2)
                        .setNumLayers(24)
                        .optTimeCurriculum(TimeCurriculum.EXP)
                        .optTotalSteps(1000)
                        .build();
        assertEquals(s.rates(0), new double[24], 0.0); // S(0) = 0: no dropout at the start
        assertEquals(s.rate(23, 999), 0.2, 1e-15); // S(T-1) = 1
        assertEquals(s.rate(23, 5000), 0.2, 1e-15); // past T: clipped
        double half = Math.pow(2, 500 / 999.0) - 1;
        assertEquals(s.rate(23, 500), 0.2 * half, 1e-15);
        for (long step : new long[] {0, 1, 250, 998, 999, 10_000}) {
            double[] rates = s.rates(step);
            for (int l = 0; l < 24; l++) {
                assertEquals(rates[l], s.rate(l, step), 0.0);
                assertTrue(rates[l] >= 0 && rates[l] <= 0.2);
            }
        }
    }

    @Test
    public void optLayersZeroesOtherLayers() {
        LayerDropoutSchedule s =
                LayerDropoutSchedule.builder()
                        .setMaxRate(0.1)
                        .setNumLayers(8)
                        .optLayerScale(LayerScale.UNIFORM)
                        .optLayers(LayerSelection.parse("4:", 8))
                        .build();
        assertEquals(s.rates(0), new double[] {0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1}, 0.0);
        assertTrue(s.isDroppable(5));
        assertTrue(!s.isDroppable(3));
    }

    @Test
    public void oneLayerModelHasNoDropoutUnderExp() {
        LayerDropoutSchedule s =
                LayerDropoutSchedule.builder().setMaxRate(0.5).setNumLayers(1).build();
        assertEquals(s.rate(0, 0), 0.0, 0.0);
    }

    @Test
    public void builderValidation() {
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setNumLayers(4).build(),
                "setMaxRate");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setMaxRate(1.0).setNumLayers(4).build(),
                "[0, 1)");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setMaxRate(-0.1).setNumLayers(4).build(),
                "[0, 1)");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setMaxRate(Double.NaN).setNumLayers(4).build(),
                "p_max");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setMaxRate(0.1).build(),
                "setNumLayers");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerDropoutSchedule.builder().setMaxRate(0.1).setNumLayers(0).build(),
                ">= 1");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () ->
                        LayerDropoutSchedule.builder()
                                .setMaxRate(0.1)
                                .setNumLayers(4)
                                .optTimeCurriculum(TimeCurriculum.EXP)
                                .build(),
                "optTotalSteps");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () ->
                        LayerDropoutSchedule.builder()
                                .setMaxRate(0.1)
                                .setNumLayers(4)
                                .optTotalSteps(0)
                                .build(),
                "totalSteps (T) must be >= 1");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () ->
                        LayerDropoutSchedule.builder()
                                .setMaxRate(0.1)
                                .setNumLayers(4)
                                .optLayers(0, 4)
                                .build(),
                "layer 4");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () ->
                        LayerDropoutSchedule.builder()
                                .setMaxRate(0.1)
                                .setNumLayers(4)
                                .optLayerScale(null)
                                .build(),
                "layerScale");
        LayerDropoutSchedule ok =
                LayerDropoutSchedule.builder().setMaxRate(0.0).setNumLayers(4).build();
        assertThrows(IllegalArgumentException.class, () -> ok.rate(4, 0));
        assertThrows(IllegalArgumentException.class, () -> ok.rate(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> ok.rate(0, -1));
    }

    @Test
    public void builderIsReusable() {
        LayerDropoutSchedule.Builder b =
                LayerDropoutSchedule.builder().setMaxRate(0.1).setNumLayers(4);
        assertEquals(b.build().getTotalSteps(), 1);
        // building with CONSTANT must not leave a default T behind for a later EXP build
        b.optTimeCurriculum(TimeCurriculum.EXP);
        Assertions.expectOneLine(IllegalArgumentException.class, b::build, "optTotalSteps");
    }
}
