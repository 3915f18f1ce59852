package org.layerskip.tokenizer;

import org.layerskip.reliability.JsonMutator;
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
 * Seeded mutations of {@code tokenizer.json} (the tiny test tokenizer, and a bounded number of the
 * real 9 MB Llama 3 one, whose native parse is slow): each case loads (and then encodes and decodes
 * without error) or throws {@link TokenizerException}; nothing crashes natively or hangs.
 */
public class TokenizerFuzzTest {

    private Path dir;
    private ExecutorService executor;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tokenizer-fuzz");
        executor = Executors.newSingleThreadExecutor();
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        executor.shutdownNow();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private int[] fuzz(Path source, int cases, long seed, Duration limit) throws Throwable {
        Path work = Files.createTempDirectory(dir, "case");
        Files.copy(source.resolve("tokenizer_config.json"), work.resolve("tokenizer_config.json"));
        String original = Files.readString(source.resolve("tokenizer.json"));
        Path file = work.resolve("tokenizer.json");
        JsonMutator mutator = new JsonMutator(seed);
        int[] outcome = new int[2];
        for (int i = 0; i < cases; i++) {
            byte[] mutant = mutator.mutate(original);
            Files.write(file, mutant);
            String what = source + " case " + i;
            outcome[
                    JsonMutator.withTimeout(
                            executor,
                            limit,
                            what,
                            () -> {
                                LlamaTokenizer t;
                                try {
                                    t = LlamaTokenizer.load(work);
                                } catch (TokenizerException e) {
                                    Assert.assertTrue(
                                            e.getMessage().contains(work.toString()),
                                            e.getMessage());
                                    return 0;
                                } catch (Throwable e) {
                                    throw new AssertionError(
                                            what + " threw " + e + "\n" + JsonMutator.show(mutant),
                                            e);
                                }
                                try (t) {
                                    long[] ids = t.encode("Hello world, héllo <s> 123!");
                                    for (long id : ids) {
                                        Assert.assertTrue(id >= 0, what);
                                    }
                                    long[] some = new long[Math.min(t.vocabSize(), 40)];
                                    for (int k = 0; k < some.length; k++) {
                                        some[k] = k;
                                    }
                                    t.decode(some, false);
                                    return 1;
                                } catch (TokenizerException e) {
                                    // a definition the native library accepts but cannot use: a
                                    // clean error
                                    return 1;
                                } catch (Throwable x) {
                                    throw new AssertionError(
                                            what + " threw " + x + "\n" + JsonMutator.show(mutant),
                                            x);
                                }
                            })]++;
        }
        return outcome;
    }

    @Test(groups = "slow")
    public void mutatedTinyTokenizerLoadsOrThrowsTokenizerException() throws Throwable {
        int cases = JsonMutator.cases(2000);
        int[] outcome = fuzz(TokenizerFixtures.tiny(), cases, 11L, Duration.ofSeconds(10));
        Assert.assertTrue(
                outcome[0] > 0 && outcome[1] > 0,
                outcome[0] + " rejected, " + outcome[1] + " loaded");
    }

    @Test(groups = "slow")
    public void mutatedLlama3TokenizerLoadsOrThrowsTokenizerException() throws Throwable {
        // the native parse of the 9 MB file takes about a second: a bounded number in CI
        int cases = Math.max(1, JsonMutator.cases(2000) / 100);
        int[] outcome = fuzz(TokenizerFixtures.real("llama3"), cases, 12L, Duration.ofSeconds(120));
        Assert.assertEquals(outcome[0] + outcome[1], cases);
    }
}
