package org.layerskip.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

public class ScheduleEnumsTest {

    @Test
    public void layerScaleFormulas() {
        int n = 9; // L - 1 = 8
        for (int l = 0; l < n; l++) {
            double x = l / 8.0;
            assertEquals(LayerScale.UNIFORM.scale(l, n), 1.0, 0.0);
            assertEquals(LayerScale.LINEAR.scale(l, n), x, 1e-15);
            assertEquals(LayerScale.EXP.scale(l, n), Math.pow(2, x) - 1, 1e-15);
            assertEquals(LayerScale.LOG.scale(l, n), Math.log(l + 1) / Math.log(9), 1e-15);
            assertEquals(LayerScale.SIN.scale(l, n), Math.sin(Math.PI * x / 2), 1e-15);
            assertEquals(
                    LayerScale.SIGMOID.scale(l, n), 1 / (1 + Math.exp(-10 * (x - 0.5))), 1e-15);
        }
    }

    @Test
    public void everyScaleIsInUnitIntervalAndMonotone() {
        for (LayerScale scale : LayerScale.values()) {
            for (int n : new int[] {1, 2, 3, 16, 32, 80}) {
                double previous = -1;
                for (int l = 0; l < n; l++) {
                    double d = scale.scale(l, n);
                    assertTrue(d >= 0 && d <= 1, scale + " " + l + "/" + n + " = " + d);
                    assertTrue(d >= previous, scale + " not monotone at " + l + "/" + n);
                    previous = d;
                }
                if (n > 1 && scale != LayerScale.SIGMOID) {
                    assertEquals(scale.scale(n - 1, n), 1.0, 1e-15, scale + " at L-1");
                    if (scale != LayerScale.UNIFORM) {
                        assertEquals(scale.scale(0, n), 0.0, 0.0, scale + " at 0");
                    }
                }
            }
        }
    }

    @Test
    public void oneLayerIsLayerZero() {
        assertEquals(LayerScale.UNIFORM.scale(0, 1), 1.0, 0.0);
        assertEquals(LayerScale.LINEAR.scale(0, 1), 0.0, 0.0);
        assertEquals(LayerScale.EXP.scale(0, 1), 0.0, 0.0);
        assertEquals(LayerScale.LOG.scale(0, 1), 0.0, 0.0);
        assertEquals(LayerScale.SIN.scale(0, 1), 0.0, 0.0);
    }

    @Test
    public void layerScaleRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> LayerScale.EXP.scale(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LayerScale.EXP.scale(-1, 4));
        assertThrows(IllegalArgumentException.class, () -> LayerScale.EXP.scale(4, 4));
    }

    @Test
    public void timeCurriculumEndpoints() {
        long T = 50_000;
        assertEquals(TimeCurriculum.EXP.factor(0, T), 0.0, 0.0);
        assertEquals(TimeCurriculum.EXP.factor(T - 1, T), 1.0, 0.0);
        assertEquals(TimeCurriculum.EXP.factor(T * 3, T), 1.0, 0.0);
        assertEquals(
                TimeCurriculum.EXP.factor(12_345, T), Math.pow(2, 12_345.0 / (T - 1)) - 1, 1e-15);
        assertEquals(TimeCurriculum.EXP.factor(0, 1), 1.0, 0.0); // T = 1: already complete
        assertEquals(TimeCurriculum.EXP.factor(0, 2), 0.0, 0.0);
        assertEquals(TimeCurriculum.EXP.factor(1, 2), 1.0, 0.0);
        double previous = -1;
        for (long t = 0; t < 1000; t++) {
            double s = TimeCurriculum.EXP.factor(t, 1000);
            assertTrue(s >= previous && s >= 0 && s <= 1);
            previous = s;
            assertEquals(TimeCurriculum.CONSTANT.factor(t, 1000), 1.0, 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> TimeCurriculum.EXP.factor(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> TimeCurriculum.CONSTANT.factor(0, 0));
    }
}
