package org.layerskip.tokenizer;

import static org.testng.Assert.assertEquals;

import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** The hand-made 48-token WordLevel tokenizer in {@code src/test/resources/tokenizers/tiny}. */
public class TinyTokenizerTest {

    @Test
    public void encodesAndDecodes() {
        try (LlamaTokenizer t = LlamaTokenizer.load(TokenizerFixtures.tiny())) {
            assertEquals(t.vocabSize(), 48);
            assertEquals(t.bosTokenId(), OptionalLong.of(1));
            assertEquals(t.eosTokenIds(), List.of(2L));
            // Config says add_bos_token and the post-processor also adds <s>: exactly one BOS.
            assertEquals(
                    t.encode("The cat sat on the mat."), new long[] {1, 4, 7, 11, 15, 4, 19, 42});
            assertEquals(t.encode("The cat sat", false), new long[] {4, 7, 11});
            assertEquals(t.encode("zebra"), new long[] {1, 0});
            assertEquals(
                    t.decode(new long[] {1, 4, 7, 11, 15, 4, 19, 42}), "the cat sat on the mat .");
            assertEquals(t.decode(new long[] {1, 46, 47, 2}, false), "<s> hello world </s>");
            assertEquals(t.idToToken(3), "<pad>");
        }
    }

    @Test
    public void streamsWords() {
        try (LlamaTokenizer t = LlamaTokenizer.load(TokenizerFixtures.tiny())) {
            StreamingDecoder d = t.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (long id : t.encode("hello world ! the big dog ran")) {
                sb.append(d.accept(id));
            }
            sb.append(d.flush());
            assertEquals(sb.toString(), "hello world ! the big dog ran");
        }
    }

    @Test
    public void withoutConfigUsesThePostProcessor() throws IOException {
        Path dir = Files.createTempDirectory("tiny-noconfig");
        Path file =
                Files.copy(
                        TokenizerFixtures.tiny().resolve("tokenizer.json"),
                        dir.resolve("tokenizer.json"));
        try (LlamaTokenizer t = LlamaTokenizer.load(file)) {
            assertEquals(t.encode("hello world"), new long[] {1, 46, 47});
            assertEquals(t.bosTokenId(), OptionalLong.of(1));
            assertEquals(t.eosTokenIds(), List.of());
        } finally {
            Files.delete(file);
            Files.delete(dir);
        }
    }
}
