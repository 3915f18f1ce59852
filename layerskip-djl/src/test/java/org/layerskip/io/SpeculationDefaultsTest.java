package org.layerskip.io;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One rule for the default E and d: layerskip.json, then a recommendation, then L/4 and 4. */
public class SpeculationDefaultsTest {

    private static Path folder(String layerskipJson) throws IOException {
        Path dir = Files.createTempDirectory("speculation-defaults");
        if (layerskipJson != null) {
            Files.writeString(dir.resolve(RecordedSettings.FILE_NAME), layerskipJson);
        }
        return dir;
    }

    private static void assertDefaults(SpeculationDefaults d, int e, int n) {
        Assert.assertEquals(d.exitLayer(), e, d.toString());
        Assert.assertEquals(d.numSpeculations(), n, d.toString());
    }

    @Test
    public void libraryDefaultsWithoutAnything() throws IOException {
        assertDefaults(SpeculationDefaults.resolve(folder(null), 8), 2, 4);
        assertDefaults(SpeculationDefaults.resolve(folder(null), 3), 1, 4);
        assertDefaults(SpeculationDefaults.resolve(folder(null), 1), 1, 4);
    }

    @Test
    public void recordedSettingsThatFitWinOverTheRecommendation() throws IOException {
        Path dir = folder("{\"exit_layer\": 5, \"num_speculations\": 3}");
        SpeculationDefaults d = SpeculationDefaults.resolve(dir, 8, 4, 6, "zoo entry x");
        assertDefaults(d, 5, 3);
        Assert.assertEquals(d.source(), RecordedSettings.FILE_NAME);
    }

    @Test
    public void aRecommendationThatFitsIsUsed() throws IOException {
        SpeculationDefaults d = SpeculationDefaults.resolve(folder(null), 16, 4, 0, "zoo entry y");
        assertDefaults(d, 4, 4);
        Assert.assertEquals(d.source(), "zoo entry y");
    }

    @Test
    public void anExitLayerThatDoesNotFitIsSkippedEverywhere() throws IOException {
        // a 4-layer model in the folder of a zoo entry that recommends E = 4 (the case)
        assertDefaults(SpeculationDefaults.resolve(folder(null), 4, 4, 0, "zoo entry z"), 1, 4);
        // the recommended d stays: it does not depend on the depth
        assertDefaults(SpeculationDefaults.resolve(folder(null), 4, 8, 6, "zoo entry z"), 1, 6);
        // layerskip.json of another checkpoint, then a recommendation that fits
        Path dir = folder("{\"exit_layer\": 4, \"num_speculations\": 3}");
        assertDefaults(SpeculationDefaults.resolve(dir, 4, 2, 0, "zoo entry z"), 2, 4);
        // both unfit
        assertDefaults(SpeculationDefaults.resolve(dir, 4, 4, 0, "zoo entry z"), 1, 4);
        // the stricter reader still refuses it, for callers that need settings of this model
        Assert.assertThrows(IllegalArgumentException.class, () -> RecordedSettings.read(dir, 4));
    }

    @Test
    public void aMalformedFileIsStillAnError() throws IOException {
        Path dir = folder("{\"exit_layer\": \"five\"}");
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> SpeculationDefaults.resolve(dir, 8));
        Assert.assertTrue(e.getMessage().contains(RecordedSettings.FILE_NAME), e.getMessage());
        Path zero = folder("{\"exit_layer\": 0, \"num_speculations\": 3}");
        Assert.assertThrows(
                IllegalArgumentException.class, () -> SpeculationDefaults.resolve(zero, 8));
    }
}
