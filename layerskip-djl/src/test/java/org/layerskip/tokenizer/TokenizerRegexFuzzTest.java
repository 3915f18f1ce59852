package org.layerskip.tokenizer;

import org.layerskip.reliability.JsonMutator;
import org.layerskip.tokenizer.HostileTokenizers.Place;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Fuzzes the regex-bearing parts of {@code tokenizer.json} (a {@code Replace} normalizer or
 * decoder, a {@code Split} pre-tokenizer, alone or inside a {@code Sequence}) with seeded random
 * Oniguruma patterns ({@link RegexGenerator}), then encodes short texts and long runs of the
 * patterns' characters and decodes. Every case must load or throw {@link TokenizerException}, and
 * every encode and decode must return or throw {@link TokenizerException}, within a time limit.
 * Before isolation, the first case aborted this JVM. 200 cases in CI; {@code
 * -Dlayerskip.fuzz.cases=N} runs N / 10 (each native crash costs a restart of the child process,
 * about a second).
 */
public class TokenizerRegexFuzzTest {

    private static final Place[] PLACES = Place.values();

    private Path dir;
    private ExecutorService executor;
    private String oldTimeout;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tokenizer-regex-fuzz");
        executor = Executors.newSingleThreadExecutor();
        // a pattern that is slow without reaching the retry limit is stopped after 5 s
        oldTimeout = System.getProperty(WorkerClient.TIMEOUT_PROPERTY);
        System.setProperty(WorkerClient.TIMEOUT_PROPERTY, "5");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        executor.shutdownNow();
        if (oldTimeout == null) {
            System.clearProperty(WorkerClient.TIMEOUT_PROPERTY);
        } else {
            System.setProperty(WorkerClient.TIMEOUT_PROPERTY, oldTimeout);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test(groups = "slow")
    public void randomRegexesLoadOrFailCleanlyAndNeverTakeTheJvmDown() throws Throwable {
        int cases = Math.max(RegexGenerator.CATASTROPHIC.length, JsonMutator.cases(2000) / 10);
        RegexGenerator gen = new RegexGenerator(15L);
        int[] outcome = new int[4]; // rejected at load, all fine, clean error, native crash or hang
        for (int i = 0; i < cases; i++) {
            String pattern = gen.pattern(i);
            Place place = PLACES[i % PLACES.length];
            String[] texts = gen.texts(i % 2 == 0 ? 40 : 200);
            Path file = HostileTokenizers.write(dir.resolve("case"), place, pattern);
            String what = "case " + i + " (" + place + " " + pattern + ")";
            outcome[
                    JsonMutator.withTimeout(
                            executor,
                            Duration.ofSeconds(90),
                            what,
                            () -> {
                                LlamaTokenizer t;
                                try {
                                    t = LlamaTokenizer.load(file.getParent());
                                } catch (TokenizerException e) {
                                    Assert.assertTrue(
                                            e.getMessage().startsWith(file + ": "),
                                            what + ": " + e.getMessage());
                                    return 0;
                                } catch (Throwable e) {
                                    throw new AssertionError(what + " threw " + e, e);
                                }
                                int result = 1;
                                try (t) {
                                    for (String text : texts) {
                                        try {
                                            long[] ids = t.encode(text);
                                            for (long id : ids) {
                                                Assert.assertTrue(
                                                        id >= 0 && id < t.vocabSize(), what);
                                            }
                                            t.decode(ids, false);
                                        } catch (TokenizerException e) {
                                            String m = e.getMessage();
                                            Assert.assertTrue(
                                                    m.startsWith(file + ": "), what + ": " + m);
                                            Assert.assertFalse(m.contains("\n"), what + ": " + m);
                                            boolean nativeFailure =
                                                    m.contains("the native tokenizer crashed")
                                                            || m.contains(
                                                                    "the native tokenizer did not finish");
                                            result = Math.max(result, nativeFailure ? 3 : 2);
                                        }
                                    }
                                } catch (Throwable e) {
                                    throw new AssertionError(what + " threw " + e, e);
                                }
                                return result;
                            })]++;
        }
        String summary =
                outcome[0]
                        + " rejected at load, "
                        + outcome[1]
                        + " fine, "
                        + outcome[2]
                        + " with a clean error, "
                        + outcome[3]
                        + " with a native crash or hang";
        Assert.assertTrue(
                outcome[3] >= 3, "the catastrophic cases must crash the child: " + summary);
        Assert.assertTrue(outcome[0] > 0 && outcome[1] > 0, summary);
        System.out.println(
                "TokenizerRegexFuzzTest: "
                        + cases
                        + " cases: "
                        + summary
                        + "; child processes started so far: "
                        + WorkerClient.shared().starts());
    }
}
