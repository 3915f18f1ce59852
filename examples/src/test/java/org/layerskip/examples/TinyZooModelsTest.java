package org.layerskip.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.testng.Assert;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Checks the bundled tiny models written by scripts/train-tiny-models.sh, when present. */
public class TinyZooModelsTest {

    private static final Path MODELS =
            Path.of("../model-zoo/src/main/resources/org/layerskip/zoo/models");

    private static Path model(String name) {
        Path dir = MODELS.resolve(name);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new SkipException(dir + " not built (run scripts/train-tiny-models.sh)");
        }
        return dir;
    }

    @Test
    public void tokenizerRoundTripsPythonSource() throws IOException {
        Path dir = model("tiny-layerskip");
        String text = Files.readString(MODELS.resolve("heldout.txt"));
        try (LlamaTokenizer tok = LlamaTokenizer.load(dir)) {
            Assert.assertEquals(tok.vocabSize(), 2048);
            long[] ids = tok.encode(text, false);
            Assert.assertEquals(tok.decode(ids), text);
            Assert.assertTrue(ids.length < text.length() / 2, "compresses: " + ids.length);
            long[] withBos = tok.encode("import os\n");
            Assert.assertEquals(withBos[0], tok.bosTokenId().getAsLong());
            String odd = "naïve → 🚀\t\r\n  x";
            Assert.assertEquals(tok.decode(tok.encode(odd, false)), odd);
        }
    }

    @Test
    public void modelsLoadAndFitTheSizeBudget() throws IOException {
        for (String name : new String[] {"tiny-layerskip", "tiny-baseline"}) {
            Path dir = model(name);
            long bytes;
            try (Stream<Path> files = Files.list(dir)) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            Assert.assertTrue(bytes <= 16L << 20, name + " is " + bytes + " bytes");
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel m = HfLlama.load(dir, manager, DataType.FLOAT32);
                Assert.assertEquals(m.numLayers(), 8);
            }
        }
        Assert.assertTrue(Files.size(MODELS.resolve("heldout.txt")) <= 200_000);
    }
}
