package org.layerskip.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import org.layerskip.testing.Assertions;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class EarlyExitCurriculumTest {

    private static int count(boolean[] mask) {
        int c = 0;
        for (boolean b : mask) {
            c += b ? 1 : 0;
        }
        return c;
    }

    @DataProvider
    public Object[][] rotations() {
        // paper settings (L, R): 7B (32, 8), 13B (40, 39), 1.5B scratch (24, 23), 7B scratch (32,
        // 31),
        // code finetune (32, 16), Llama3.2 1B (16, 8); plus edge cases
        return new Object[][] {
            {32, 8}, {40, 39}, {24, 23}, {32, 31}, {32, 16}, {16, 8}, {10, 3}, {7, 7}, {5, 1},
            {1, 1}
        };
    }

    @Test(dataProvider = "rotations")
    public void rotationalEachLayerOnceEveryRSteps(int numLayers, int r) {
        RotationalCurriculum free = new RotationalCurriculum(numLayers, r, false);
        long steps = 5L * r + 3;
        for (int l = 0; l < numLayers; l++) {
            long last = -1;
            int hits = 0;
            for (long t = 0; t < steps; t++) {
                if (free.enabledLayers(t)[l]) {
                    if (last >= 0) {
                        assertEquals(t - last, r, "layer " + l + " gap");
                    } else {
                        assertEquals(t, l % r, "first enable of layer " + l);
                    }
                    last = t;
                    hits++;
                }
            }
            assertTrue(hits >= 5, "layer " + l + " enabled " + hits + " times");
        }
    }

    @Test(dataProvider = "rotations")
    public void rotationalCountPerStep(int numLayers, int r) {
        RotationalCurriculum free = new RotationalCurriculum(numLayers, r, false);
        RotationalCurriculum forced = new RotationalCurriculum(numLayers, r);
        int ceil = (numLayers + r - 1) / r;
        int floor = numLayers / r;
        int sum = 0;
        for (long t = 0; t < 4L * r; t++) {
            boolean[] f = free.enabledLayers(t);
            int c = count(f);
            // exact: |{l < L : l = t mod R}|
            int expected = (t % r) < (numLayers % r) || numLayers % r == 0 ? ceil : floor;
            assertEquals(c, expected, "step " + t);
            if (numLayers % r == 0) {
                assertEquals(c, ceil);
            }
            sum += c;
            boolean[] g = forced.enabledLayers(t);
            assertTrue(g[numLayers - 1]);
            assertEquals(count(g), c + (f[numLayers - 1] ? 0 : 1), "forced count at step " + t);
            for (int l = 0; l < numLayers - 1; l++) {
                assertEquals(g[l], f[l]);
                assertEquals(f[l], Math.floorMod(l - t, r) == 0);
            }
        }
        assertEquals(sum, 4 * numLayers); // on average L/R per step
    }

    @Test
    public void rotationalPaperDilationsGiveCeilWithForcedLast() {
        for (int[] lr : new int[][] {{24, 23}, {32, 31}, {40, 39}}) {
            RotationalCurriculum c = new RotationalCurriculum(lr[0], lr[1]);
            for (long t = 0; t < 200; t++) {
                assertEquals(count(c.enabledLayers(t)), 2, "L=" + lr[0] + " t=" + t);
            }
        }
        // L = 32, R = 8: step 0 is "0::8" plus 31; step 7 already holds 31
        RotationalCurriculum c = new RotationalCurriculum(32, 8);
        assertEquals(c.enabledLayerIndices(0), new int[] {0, 8, 16, 24, 31});
        assertEquals(c.enabledLayerIndices(1), new int[] {1, 9, 17, 25, 31});
        assertEquals(c.enabledLayerIndices(7), new int[] {7, 15, 23, 31});
        assertEquals(c.enabledLayerIndices(8), new int[] {0, 8, 16, 24, 31});
    }

    @Test
    public void rotationalIsPureSoResumeIsExact() {
        RotationalCurriculum c = new RotationalCurriculum(32, 8);
        boolean[][] run = new boolean[100][];
        for (int t = 0; t < 100; t++) {
            run[t] = c.enabledLayers(t);
        }
        RotationalCurriculum resumed = new RotationalCurriculum(32, 8);
        for (int t = 99; t >= 57; t--) {
            assertEquals(resumed.enabledLayers(t), run[t]);
        }
        assertEquals(c.enabledLayers(Long.MAX_VALUE).length, 32);
    }

    @Test
    public void gradualCurriculum() {
        int numLayers = 8;
        long total = 1600; // T/(2L) = 100
        GradualCurriculum c = new GradualCurriculum(numLayers, total);
        assertEquals(c.enabledLayerIndices(0), new int[] {7}); // only the last layer at step 0
        assertEquals(count(c.enabledLayers(total / 2)), numLayers); // all on at T/2
        assertEquals(count(c.enabledLayers(total / 2 - 1)), numLayers - 1); // layer 0 not yet
        assertEquals(count(c.enabledLayers(total)), numLayers);
        assertEquals(count(c.enabledLayers(10 * total)), numLayers);
        int previous = 0;
        for (long t = 0; t <= total; t++) {
            boolean[] m = c.enabledLayers(t);
            int n = count(m);
            assertTrue(n >= previous, "monotone at " + t);
            previous = n;
            // enabled layers are a suffix [L-n, L)
            for (int l = 0; l < numLayers; l++) {
                assertEquals(m[l], l >= numLayers - n);
            }
            // layer l on iff t >= (L - l) T / (2L), last forced
            int expected = (int) Math.max(1, Math.min(numLayers, t / 100));
            assertEquals(n, expected, "step " + t);
        }
        // without forcing: empty until T/(2L)
        GradualCurriculum free = new GradualCurriculum(numLayers, total, false);
        assertEquals(count(free.enabledLayers(99)), 0);
        assertEquals(free.enabledLayerIndices(100), new int[] {7});
        assertEquals(count(free.enabledLayers(800)), numLayers);
    }

    @Test
    public void gradualWithIndivisibleT() {
        GradualCurriculum c = new GradualCurriculum(32, 50_000);
        assertEquals(c.enabledLayerIndices(0), new int[] {31});
        assertEquals(count(c.enabledLayers(25_000)), 32);
        assertFalse(c.enabledLayers(24_999)[0]);
        assertTrue(c.enabledLayers(24_999)[1]);
    }

    @Test
    public void baselines() {
        AllLayersCurriculum all = new AllLayersCurriculum(6);
        LastLayerOnlyCurriculum last = new LastLayerOnlyCurriculum(6);
        for (long t = 0; t < 10; t++) {
            assertEquals(count(all.enabledLayers(t)), 6);
            assertEquals(last.enabledLayerIndices(t), new int[] {5});
        }
        assertEquals(all.numLayers(), 6);
    }

    @Test
    public void validation() {
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new RotationalCurriculum(0, 1), "L");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new RotationalCurriculum(8, 0), "dilation");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new RotationalCurriculum(8, 9), "dilation");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new GradualCurriculum(8, 0), "totalSteps");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> new GradualCurriculum(8, Long.MAX_VALUE),
                "totalSteps");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new AllLayersCurriculum(0), "L");
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> new LastLayerOnlyCurriculum(-1), "L");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> new RotationalCurriculum(8, 2).enabledLayers(-1),
                "step");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> new GradualCurriculum(8, 10).enabledLayers(-1),
                "step");
    }

    @Test
    public void curriculumFeedsLossWeights() {
        EarlyExitLossWeights w = EarlyExitLossWeights.of(32, 0.2);
        RotationalCurriculum c = new RotationalCurriculum(32, 8);
        for (long t = 0; t < 16; t++) {
            double sum = 0;
            for (double x : w.normalized(c.enabledLayers(t))) {
                sum += x;
            }
            assertEquals(sum, 1.0, 1e-12);
        }
    }
}
