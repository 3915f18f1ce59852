package org.layerskip.zoo;

import org.layerskip.io.SpeculationDefaults;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link LayerSkipModels#speculationDefaults}, what the CLI, the server, Spark and LangChain4j use:
 * the folder's layerskip.json, then the entry that the argument names, then L/4 and 4; an E that
 * does not fit is skipped, never an error.
 */
public class SpeculationDefaultsRoutingTest {

    private static void record(Path dir, int exitLayer, int numSpeculations) throws IOException {
        Files.writeString(
                dir.resolve("layerskip.json"),
                "{\"exit_layer\": "
                        + exitLayer
                        + ", \"num_speculations\": "
                        + numSpeculations
                        + ", \"speedup\": 1.1, \"measured_on\": \"2025-01-01\"}");
    }

    @Test
    public void aZooIdBringsItsEntrysRecommendationAFolderDoesNot() throws IOException {
        // layerskip-llama2-13B recommends E = 15, d = 12; the 4-layer tiny model is found under it
        Path root = Files.createTempDirectory("routing");
        Path dir = ZooFixtures.copyTiny(root.resolve("layerskip-llama2-13B"));
        String old = System.getProperty(LayerSkipModels.PROPERTY);
        System.setProperty(LayerSkipModels.PROPERTY, root.toString());
        try {
            Path found = LayerSkipModels.resolve("layerskip-llama2-13B");
            Assert.assertEquals(found, dir);
            SpeculationDefaults byId =
                    LayerSkipModels.speculationDefaults("layerskip-llama2-13B", found, 4);
            Assert.assertEquals(byId.exitLayer(), 1, "E = 15 does not fit 4 layers: L/4");
            Assert.assertEquals(byId.numSpeculations(), 12, "the entry's d");
            SpeculationDefaults byPath =
                    LayerSkipModels.speculationDefaults(dir.toString(), dir, 4);
            Assert.assertEquals(byPath.numSpeculations(), 4, "a folder path names no entry");

            record(dir, 3, 2);
            SpeculationDefaults recorded =
                    LayerSkipModels.speculationDefaults("layerskip-llama2-13B", found, 4);
            Assert.assertEquals(recorded, new SpeculationDefaults(3, 2, "layerskip.json"));

            record(dir, 4, 2); // E = L: no layer left to verify
            SpeculationDefaults unfit =
                    LayerSkipModels.speculationDefaults("layerskip-llama2-13B", found, 4);
            Assert.assertEquals(unfit.exitLayer(), 1);
            Assert.assertEquals(
                    unfit.numSpeculations(), 12, "skipped like the CLI and Criteria do");
        } finally {
            if (old == null) {
                System.clearProperty(LayerSkipModels.PROPERTY);
            } else {
                System.setProperty(LayerSkipModels.PROPERTY, old);
            }
        }
    }
}
