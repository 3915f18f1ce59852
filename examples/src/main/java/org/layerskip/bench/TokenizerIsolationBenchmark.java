package org.layerskip.bench;

import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.tokenizer.TokenizerIsolation;
import org.layerskip.zoo.LayerSkipModels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What running the native tokenizer in the child process costs ({@link TokenizerIsolation}), on the
 * bundled {@code tiny-layerskip} tokenizer: encoding a 70-character prompt, decoding one token
 * (what a streaming detokenizer does per generated token), and loading another instance.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenizerIsolationBenchmark {

    private static final String PROMPT =
            "def fibonacci(n):\n    if n < 2:\n        return n\n    return fib(n - 1)";

    /** {@code IN_PROCESS} or {@code CHILD_PROCESS}. */
    @Param({"IN_PROCESS", "CHILD_PROCESS"})
    public String isolation;

    private Path dir;
    private LlamaTokenizer tokenizer;
    private long[] oneToken;

    /**
     * Loads the tokenizer.
     *
     * @throws Exception if the bundled model cannot be found
     */
    @Setup
    public void setUp() throws Exception {
        dir = LayerSkipModels.resolve("tiny-layerskip");
        tokenizer = LlamaTokenizer.load(dir, TokenizerIsolation.valueOf(isolation));
        oneToken = new long[] {tokenizer.encode(PROMPT, false)[3]};
    }

    /** Releases the tokenizer. */
    @TearDown
    public void tearDown() {
        tokenizer.close();
    }

    /**
     * Encodes the prompt.
     *
     * @return the ids
     */
    @Benchmark
    public long[] encodePrompt() {
        return tokenizer.encode(PROMPT);
    }

    /**
     * Decodes one token.
     *
     * @return the text
     */
    @Benchmark
    public String decodeOneToken() {
        return tokenizer.decode(oneToken);
    }

    /**
     * Loads another instance while this one is open: with isolation, the child process is already
     * running, so this is the cost of sending the definition and parsing it there ({@link
     * TokenizerColdLoadBenchmark} measures the first load of a JVM).
     *
     * @return the vocabulary size
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, batchSize = 1)
    @Measurement(iterations = 10, batchSize = 1)
    public int warmLoad() {
        try (LlamaTokenizer t = LlamaTokenizer.load(dir, TokenizerIsolation.valueOf(isolation))) {
            return t.vocabSize();
        }
    }
}
