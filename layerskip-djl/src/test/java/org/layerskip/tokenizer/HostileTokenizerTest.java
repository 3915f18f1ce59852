package org.layerskip.tokenizer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import org.layerskip.tokenizer.HostileTokenizers.Place;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A {@code tokenizer.json} whose regex backtracks catastrophically makes the native tokenizer
 * panic, which aborted the JVM ({@code fatal runtime error: failed to initiate panic}, SIGABRT) on
 * a prompt of about 24 characters. Such definitions now run in the child process: the panic is a
 * {@link TokenizerException} naming the file and the regex, a hang is stopped by the time limit,
 * and the tokenizer keeps working for the next text.
 */
public class HostileTokenizerTest {

    /** Backtracks exponentially: Oniguruma's retry limit is exceeded at about 24 a's. */
    static final String EXPONENTIAL = "(a+)+$";

    private Path dir;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hostile-tokenizer");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private long[] tinyIds(String text) {
        try (LlamaTokenizer t = LlamaTokenizer.load(TokenizerFixtures.tiny())) {
            return t.encode(text);
        }
    }

    @DataProvider
    public Object[][] places() {
        return new Object[][] {{Place.NORMALIZER}, {Place.SPLIT}, {Place.NESTED_SPLIT}};
    }

    @Test(groups = "slow", dataProvider = "places")
    public void catastrophicRegexIsATokenizerExceptionAndTheTokenizerRecovers(Place place)
            throws IOException {
        Path file = HostileTokenizers.write(dir.resolve("exp-" + place), place, EXPONENTIAL);
        try (LlamaTokenizer t = LlamaTokenizer.load(file.getParent())) {
            assertTrue(t.isIsolated(), "an unknown regex runs in the child process");
            TokenizerException e =
                    expectThrows(TokenizerException.class, () -> t.encode("a".repeat(40) + "b"));
            String m = e.getMessage();
            assertTrue(
                    m.startsWith(
                            file
                                    + ": the native tokenizer crashed while encoding a text of 41"
                                    + " characters"),
                    m);
            assertTrue(m.contains("retry-limit-in-match over"), m);
            assertTrue(m.contains("'" + EXPONENTIAL + "'"), m);
            assertFalse(m.contains("\n"), m);
            // the next call runs in a fresh child; short texts never reach the retry limit
            assertEquals(t.encode("hello"), tinyIds("hello"));
            assertEquals(t.decode(t.encode("hello")), "hello");
        }
    }

    @Test(groups = "slow")
    public void inProcessIsolationRejectsAnUnknownRegexAtLoad() throws IOException {
        Path file = HostileTokenizers.write(dir.resolve("in-process"), Place.SPLIT, EXPONENTIAL);
        TokenizerException e =
                expectThrows(
                        TokenizerException.class,
                        () -> LlamaTokenizer.load(file.getParent(), TokenizerIsolation.IN_PROCESS));
        assertEquals(
                e.getMessage(),
                file
                        + ": regex '(a+)+$' (pre_tokenizer.pattern) is not known to run in bounded"
                        + " time, and the native tokenizer may run only in this process"
                        + " (-Dlayerskip.tokenizer.isolation=in-process); use auto or child-process"
                        + " to run it isolated");
    }

    @Test(groups = "slow")
    public void knownSplitPatternsRunInThisJvm() throws IOException {
        for (String p : new String[] {SafeRegexes.LLAMA3, SafeRegexes.GPT2, SafeRegexes.QWEN2}) {
            Path file = HostileTokenizers.write(dir.resolve("safe"), Place.SPLIT, p);
            try (LlamaTokenizer t = LlamaTokenizer.load(file.getParent())) {
                assertFalse(t.isIsolated(), p);
            }
        }
        try (LlamaTokenizer t = LlamaTokenizer.load(TokenizerFixtures.real("llama3"))) {
            assertFalse(t.isIsolated(), "the real Llama 3 tokenizer runs in this JVM");
        }
    }

    @Test(groups = "slow")
    public void invalidRegexIsRejectedAtLoadInTheChildProcess() throws IOException {
        Path file = HostileTokenizers.write(dir.resolve("invalid"), Place.SPLIT, "(a+");
        TokenizerException e =
                expectThrows(TokenizerException.class, () -> LlamaTokenizer.load(file.getParent()));
        assertTrue(
                e.getMessage().startsWith(file + ": rejected by the tokenizers library ("),
                e.getMessage());
    }

    @Test(groups = "slow")
    public void hangIsStoppedByTheTimeLimit() throws IOException {
        // quadratic per attempt but under the retry limit: about 14 s for 2,000 a's natively
        Path file = HostileTokenizers.write(dir.resolve("slow"), Place.SPLIT, "a*a*[^a]");
        String old = System.getProperty(WorkerClient.TIMEOUT_PROPERTY);
        System.setProperty(WorkerClient.TIMEOUT_PROPERTY, "2");
        try (LlamaTokenizer t = LlamaTokenizer.load(file.getParent())) {
            long t0 = System.nanoTime();
            TokenizerException e =
                    expectThrows(TokenizerException.class, () -> t.encode("a".repeat(2000)));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    file
                                            + ": the native tokenizer did not finish while"
                                            + " encoding a text of 2000 characters within 2 s"),
                    e.getMessage());
            assertTrue(seconds < 12, "stopped after " + seconds + " s");
            assertEquals(t.encode("ab"), t.encode("ab"));
        } finally {
            if (old == null) {
                System.clearProperty(WorkerClient.TIMEOUT_PROPERTY);
            } else {
                System.setProperty(WorkerClient.TIMEOUT_PROPERTY, old);
            }
        }
    }

    @Test(groups = "slow")
    public void childProcessGivesTheSameIdsAndTextAsThisJvm() {
        String[] texts = {
            "Hello world, héllo <s> 123!",
            "",
            "  leading and trailing  ",
            "\uD800 lone surrogate",
            "tabs\tand\nnewlines\r\n",
            "emoji \uD83D\uDE00 and CJK 漢字",
            "<s></s> specials"
        };
        for (Path p : new Path[] {TokenizerFixtures.tiny(), TokenizerFixtures.real("llama2")}) {
            try (LlamaTokenizer here = LlamaTokenizer.load(p, TokenizerIsolation.IN_PROCESS);
                    LlamaTokenizer child =
                            LlamaTokenizer.load(p, TokenizerIsolation.CHILD_PROCESS)) {
                assertFalse(here.isIsolated());
                assertTrue(child.isIsolated());
                for (String s : texts) {
                    long[] ids = here.encode(s);
                    assertEquals(child.encode(s), ids, p + ": " + s);
                    assertEquals(child.decode(ids, false), here.decode(ids, false), p + ": " + s);
                    assertEquals(child.decode(ids), here.decode(ids), p + ": " + s);
                }
                assertEquals(child.vocabSize(), here.vocabSize());
            }
        }
    }

    @Test(groups = "slow")
    public void textLongerThanTheInProcessBoundGoesToTheChildProcess() {
        Path llama2 = TokenizerFixtures.real("llama2");
        StringBuilder sb = new StringBuilder();
        while (sb.length() <= LlamaTokenizer.MAX_IN_PROCESS_CHARS) {
            sb.append("The quick brown fox, 123 times.\n    indented\twith tabs and  spaces ");
        }
        String text = sb.toString();
        try (LlamaTokenizer t = LlamaTokenizer.load(llama2)) {
            assertFalse(t.isIsolated());
            long[] ids = t.encode(text, false);
            assertEquals(t.decode(ids), text, "byte-fallback BPE round trip");
        }
        try (LlamaTokenizer t = LlamaTokenizer.load(llama2, TokenizerIsolation.IN_PROCESS)) {
            TokenizerException e = expectThrows(TokenizerException.class, () -> t.encode(text));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "a text of "
                                            + text.length()
                                            + " characters is longer"
                                            + " than the 1048576 the native tokenizer may take in this process"),
                    e.getMessage());
        }
    }

    @Test(groups = "slow")
    public void closedTokenizerFailsCleanly() throws IOException {
        Path file = HostileTokenizers.write(dir.resolve("closed"), Place.SPLIT, EXPONENTIAL);
        LlamaTokenizer t = LlamaTokenizer.load(file.getParent());
        t.close();
        t.close();
        IllegalStateException e = expectThrows(IllegalStateException.class, () -> t.encode("x"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
