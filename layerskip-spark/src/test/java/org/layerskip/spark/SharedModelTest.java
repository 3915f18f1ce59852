package org.layerskip.spark;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.zoo.BundledModels;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * An executor's model gets its default E and d by the library's one rule (SpeculationDefaults): a
 * recorded E that does not fit is skipped, as on the driver, instead of failing every task.
 */
public class SharedModelTest {

    @Test
    public void aRecordedExitLayerThatDoesNotFitFallsBack() throws IOException {
        Path dir = Files.createTempDirectory("shared-unfit");
        try (Stream<Path> files =
                Files.list(BundledModels.locate("tiny-layerskip").orElseThrow())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        int layers = HfLlama.readConfig(dir).numLayers();
        Files.writeString(
                dir.resolve("layerskip.json"),
                "{\"exit_layer\": "
                        + layers
                        + ", \"num_speculations\": 3, \"speedup\": 1.1, \"measured_on\": \"2025-01-01\"}");
        try (SharedModel m = SharedModel.load(new ModelKey(dir.toString(), "float32"))) {
            Generator g = m.generator();
            Assert.assertEquals(g.getDefaultExitLayer(), Math.max(1, layers / 4));
            Assert.assertEquals(g.getDefaultNumSpeculations(), 4);
        }
    }
}
