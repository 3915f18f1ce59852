package org.layerskip.tokenizer;

import static org.testng.Assert.assertEquals;

import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;

/** {@link StreamingDecoder} against full {@link LlamaTokenizer#decode(long[])}. */
public class StreamingDecoderTest {

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

    private static String stream(StreamingDecoder decoder, long[] ids, List<String> fragments) {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            String fragment = decoder.accept(id);
            fragments.add(fragment);
            sb.append(fragment);
        }
        String tail = decoder.flush();
        fragments.add(tail);
        return sb.append(tail).toString();
    }

    @Test
    public void reproducesFullDecodeForEveryGoldenString() {
        for (LlamaTokenizer t : List.of(llama2, llama3)) {
            for (String text : GoldenStrings.TEXTS) {
                long[] ids = t.encode(text);
                for (boolean skip : new boolean[] {true, false}) {
                    List<String> fragments = new ArrayList<>();
                    String streamed = stream(t.newStreamingDecoder(skip), ids, fragments);
                    assertEquals(streamed, t.decode(ids, skip), "fragments " + fragments);
                    for (String f : fragments) {
                        assertEquals(f.indexOf('\uFFFD'), -1, "split character in " + fragments);
                    }
                }
            }
        }
    }

    @Test
    public void reproducesLongSequence() {
        String text = String.join(" ", GoldenStrings.TEXTS).repeat(20);
        for (LlamaTokenizer t : List.of(llama2, llama3)) {
            long[] ids = t.encode(text);
            assertEquals(stream(t.newStreamingDecoder(), ids, new ArrayList<>()), text);
        }
    }

    @Test
    public void holdsBackByteFallbackUntilCharacterIsComplete() {
        // SentencePiece byte fallback: <0x00> is id 3, so byte b is id 3 + b. "€" = E2 82 AC.
        assertEquals(llama2.idToToken(3 + 0xE2), "<0xE2>");
        StreamingDecoder d = llama2.newStreamingDecoder();
        assertEquals(d.accept(1), "");
        assertEquals(d.accept(22557), "Hello"); // "▁Hello": leading space dropped at the start
        assertEquals(d.accept(28705), " "); // "▁"
        assertEquals(d.accept(3 + 0xE2), "");
        assertEquals(d.accept(3 + 0x82), "");
        assertEquals(d.accept(3 + 0xAC), "€");
        assertEquals(d.accept(1526), " world");
        assertEquals(d.flush(), "");
        assertEquals(d.size(), 7);
    }

    @Test
    public void holdsBackSplitByteLevelCharacter() {
        // Llama 3 byte-level: "\uD83D\uDE80" (rocket) is two tokens, 9468 + 248 + 222 in the
        // golden.
        StreamingDecoder d = llama3.newStreamingDecoder();
        assertEquals(d.accept(38623), "emoji");
        assertEquals(d.accept(9468), "");
        assertEquals(d.accept(248), "");
        assertEquals(d.accept(222), "\uD83D\uDE80");
    }

    @Test
    public void flushEmitsAnIncompleteTail() {
        StreamingDecoder d = llama2.newStreamingDecoder();
        assertEquals(d.accept(22557), "Hello");
        assertEquals(d.accept(3 + 0xE2), "");
        assertEquals(d.flush(), llama2.decode(new long[] {22557, 3 + 0xE2}).substring(5));
        assertEquals(d.flush(), "");
    }
}
