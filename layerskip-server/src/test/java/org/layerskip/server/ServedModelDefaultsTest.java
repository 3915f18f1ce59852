package org.layerskip.server;

import org.layerskip.io.HfLlama;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The served model's default E and d follow the library's one rule (SpeculationDefaults): a
 * recorded E that does not fit the model is skipped with a warning, as in the CLI and in Criteria
 * loading, instead of failing the server's start.
 */
public class ServedModelDefaultsTest {

    @Test
    public void aRecordedExitLayerThatDoesNotFitFallsBack() throws IOException {
        Path dir = Files.createTempDirectory("served-unfit");
        try (Stream<Path> files = Files.list(TestModels.bundled())) {
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
        try (ServedModel m = TestModels.load(dir)) {
            Assert.assertEquals(m.generator().getDefaultExitLayer(), Math.max(1, layers / 4));
            Assert.assertEquals(m.generator().getDefaultNumSpeculations(), 4);
        }
        Files.writeString(
                dir.resolve("layerskip.json"),
                "{\"exit_layer\": 2, \"num_speculations\": 3,"
                        + " \"speedup\": 1.1, \"measured_on\": \"2025-01-01\"}");
        try (ServedModel m = TestModels.load(dir)) {
            Assert.assertEquals(m.generator().getDefaultExitLayer(), 2);
            Assert.assertEquals(m.generator().getDefaultNumSpeculations(), 3);
        }
    }
}
