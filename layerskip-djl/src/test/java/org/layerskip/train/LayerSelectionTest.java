package org.layerskip.train;

import static org.testng.Assert.assertEquals;

import org.layerskip.testing.Assertions;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.stream.IntStream;

public class LayerSelectionTest {

    @DataProvider
    public Object[][] good() {
        return new Object[][] {
            {":", 32, IntStream.range(0, 32).toArray()},
            {"::", 4, new int[] {0, 1, 2, 3}},
            {"0::4", 32, new int[] {0, 4, 8, 12, 16, 20, 24, 28}},
            {"1:8:2", 32, new int[] {1, 3, 5, 7}},
            {"-1", 32, new int[] {31}},
            {"3,5,7", 32, new int[] {3, 5, 7}},
            {"7, 3 ,5", 32, new int[] {3, 5, 7}},
            {"0::8,-1", 32, new int[] {0, 8, 16, 24, 31}},
            {"0::8,31,24", 32, new int[] {0, 8, 16, 24, 31}},
            {"-4:", 32, new int[] {28, 29, 30, 31}},
            {":-28", 32, new int[] {0, 1, 2, 3}},
            {"4:", 8, new int[] {4, 5, 6, 7}},
            {"0:100", 3, new int[] {0, 1, 2}},
            {"-100:2", 8, new int[] {0, 1}},
            {"::-1", 4, new int[] {0, 1, 2, 3}},
            {"5:1:-2", 8, new int[] {3, 5}},
            {"::-3", 8, new int[] {1, 4, 7}},
            {"0", 1, new int[] {0}},
            {"-32", 32, new int[] {0}},
            {"+3", 8, new int[] {3}},
        };
    }

    @Test(dataProvider = "good")
    public void parses(String spec, int numLayers, int[] expected) {
        assertEquals(LayerSelection.parse(spec, numLayers), expected, spec);
        boolean[] mask = LayerSelection.mask(spec, numLayers);
        assertEquals(mask, LayerSelection.toMask(expected, numLayers));
    }

    @DataProvider
    public Object[][] bad() {
        return new Object[][] {
            {"", "empty"},
            {"   ", "empty"},
            {null, "empty"},
            {"a", "'a' is not an integer"},
            {"1:x", "'x' is not an integer"},
            {"1:2:3:4", "more than two ':'"},
            {"::0", "step must not be zero"},
            {"32", "index 32 is outside [-32, 32)"},
            {"-33", "index -33 is outside"},
            {"1,,2", "empty item"},
            {"1,", "empty item"},
            {"5:2", "selects no layer"},
            {"40:", "selects no layer"},
            {"[0:4]", "not an integer"},
            {"99999999999", "not an integer"},
            {"1.5", "not an integer"},
        };
    }

    @Test(dataProvider = "bad")
    public void rejects(String spec, String fragment) {
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> LayerSelection.parse(spec, 32), fragment);
    }

    @Test
    public void rejectsBadSizes() {
        Assertions.expectOneLine(
                IllegalArgumentException.class, () -> LayerSelection.parse(":", 0), "L");
        Assertions.expectOneLine(
                IllegalArgumentException.class,
                () -> LayerSelection.toMask(new int[] {4}, 4),
                "layer 4");
    }
}
