package org.layerskip.tokenizer;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Missing or malformed files give a {@link TokenizerException} naming the file. */
public class BrokenTokenizerTest {

    private Path dir;

    @BeforeMethod
    public void createDir() throws IOException {
        dir = Files.createTempDirectory("broken-tokenizer");
    }

    @AfterMethod(alwaysRun = true)
    public void deleteDir() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private void expectFailure(String tokenizerJson, String fragment) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, tokenizerJson);
        TokenizerException e =
                expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    public void missingFile() {
        TokenizerException e =
                expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(
                e.getMessage().contains(dir.resolve("tokenizer.json") + ": file not found"),
                e.getMessage());
    }

    @Test
    public void truncatedJson() throws IOException {
        expectFailure("{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0", "invalid JSON");
    }

    @Test
    public void notAnObject() throws IOException {
        expectFailure("[1, 2, 3]", "not a JSON object");
    }

    @Test
    public void missingModel() throws IOException {
        expectFailure("{\"version\": \"1.0\"}", "missing \"model\" object");
    }

    @Test
    public void missingVocab() throws IOException {
        expectFailure("{\"model\": {\"type\": \"WordLevel\"}}", "missing \"model.vocab\"");
    }

    @Test
    public void unknownModelTypeRejectedByNativeLibrary() throws IOException {
        expectFailure(
                "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}",
                "rejected by the tokenizers library");
    }

    @Test
    public void badConfig() throws IOException {
        Files.copy(
                TokenizerFixtures.tiny().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"bos_token\": \"<nope>\"}");
        TokenizerException e =
                expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(
                e.getMessage().contains(config + ": bos_token '<nope>' is not in tokenizer.json"),
                e.getMessage());
        Files.writeString(config, "{\"add_bos_token\": \"yes\"}");
        e = expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(e.getMessage().contains("add_bos_token must be true or false"), e.getMessage());
    }
}
