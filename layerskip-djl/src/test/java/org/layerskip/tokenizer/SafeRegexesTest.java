package org.layerskip.tokenizer;

import static org.testng.Assert.assertTrue;

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
 * The patterns {@link SafeRegexes} lets run in this JVM encode the longest in-process text made of
 * one long run of each character class they backtrack over, without reaching Oniguruma's retry
 * limit. Run in the child process, so that a regression is a failed assertion, not a dead test JVM.
 */
public class SafeRegexesTest {

    private Path dir;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("safe-regexes");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @DataProvider
    public Object[][] patterns() {
        return new Object[][] {
            {"llama3", SafeRegexes.LLAMA3}, {"qwen2", SafeRegexes.QWEN2}, {"gpt2", SafeRegexes.GPT2}
        };
    }

    @Test(groups = "slow", dataProvider = "patterns")
    public void longestInProcessRunsEncode(String name, String pattern) throws IOException {
        Path file = HostileTokenizers.write(dir.resolve(name), Place.SPLIT, pattern);
        int n = LlamaTokenizer.MAX_IN_PROCESS_CHARS - 1;
        // runs of whitespace (which \s*[\r\n]+ and \s+(?!\S) scan and give back), letters, digits,
        // punctuation; each ends in a character that makes the run's first branches fail
        String[] units = {" ", "\r", " \t", "a", "1", "!"};
        try (LlamaTokenizer t =
                LlamaTokenizer.load(file.getParent(), TokenizerIsolation.CHILD_PROCESS)) {
            for (String u : units) {
                String text = u.repeat(n / u.length()) + "x";
                long[] ids = t.encode(text, false);
                assertTrue(ids.length > 0, name + " on a run of '" + u + "'");
            }
        }
    }
}
