package org.layerskip.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;

import org.layerskip.testing.Assertions;
import org.testng.annotations.Test;

public class EarlyExitLossWeightsTest {

    private static double round(double value, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(value * f) / f;
    }

    @Test
    public void paperWorkedExample() {
        // [P §4.1.2]: L = 32, e_scale = 0.2, layers {0, 8, 16, 24, 31}
        EarlyExitLossWeights w = EarlyExitLossWeights.of(32, 0.2);
        int[] layers = {0, 8, 16, 24, 31};
        double[] expectedRaw = {0, 7.2, 27.2, 60, 124};
        double[] expectedNorm = {0, 0.033, 0.125, 0.275, 0.568};
        boolean[] mask = LayerSelection.toMask(layers, 32);
        assertEquals(w.totalRaw(mask), 218.4, 1e-12);
        double[] norm = w.normalized(mask);
        double sum = 0;
        for (int i = 0; i < layers.length; i++) {
            assertEquals(w.raw(layers[i]), expectedRaw[i], 1e-12);
            assertEquals(round(norm[layers[i]], 3), expectedNorm[i], 0.0, "layer " + layers[i]);
        }
        for (int l = 0; l < 32; l++) {
            sum += norm[l];
            if (!mask[l]) {
                assertEquals(norm[l], 0.0, 0.0);
            }
        }
        assertEquals(sum, 1.0, 1e-12);
    }

    @Test
    public void rawFormula() {
        EarlyExitLossWeights w = EarlyExitLossWeights.of(10, 0.5);
        double[] raw = w.raw();
        for (int l = 0; l < 9; l++) {
            double s = 0;
            for (int i = 0; i <= l; i++) {
                s += i;
            }
            assertEquals(raw[l], 0.5 * s, 1e-12);
        }
        assertEquals(raw[9], 9 + 0.5 * 36, 1e-12); // (L-1) + e_scale * sum_{i=0}^{L-2} i
        // e_scale = 0: only the last layer counts
        EarlyExitLossWeights only = EarlyExitLossWeights.of(4, 0.0);
        assertEquals(
                only.normalized(new boolean[] {true, true, true, true}), new double[] {0, 0, 0, 1});
    }

    @Test
    public void zeroTotalFallsBackToUniform() {
        EarlyExitLossWeights w = EarlyExitLossWeights.of(8, 0.2);
        boolean[] onlyFirst = {true, false, false, false, false, false, false, false};
        assertEquals(w.totalRaw(onlyFirst), 0.0, 0.0);
        assertEquals(w.normalized(onlyFirst)[0], 1.0, 0.0);
        EarlyExitLossWeights zero = EarlyExitLossWeights.of(4, 0.0);
        assertEquals(
                zero.normalized(new boolean[] {true, false, true, false}),
                new double[] {0.5, 0, 0.5, 0});
        // L = 1: e(0) = L-1 = 0
        assertEquals(
                EarlyExitLossWeights.of(1, 0.2).normalized(new boolean[] {true}),
                new double[] {1.0});
    }

    @Test
    public void errors() {
        EarlyExitLossWeights w = EarlyExitLossWeights.of(4, 0.2);
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> w.normalized(new boolean[4]), "no layer");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> w.normalized(new boolean[3]), "mask length");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> w.normalized(null), "mask length");
        assertThrows(IllegalArgumentException.class, () -> w.raw(4));
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> EarlyExitLossWeights.of(0, 0.2), "L");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> EarlyExitLossWeights.of(4, -0.1), "e_scale");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> EarlyExitLossWeights.of(4, Double.NaN),
                "e_scale");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> EarlyExitLossWeights.of(4, Double.POSITIVE_INFINITY),
                "e_scale");
    }
}
