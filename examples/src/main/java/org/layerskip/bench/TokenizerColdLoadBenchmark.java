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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The first tokenizer load of a JVM, one shot per fork, on the bundled {@code tiny-layerskip}
 * tokenizer: in {@code CHILD_PROCESS} mode it starts the child JVM of {@link TokenizerIsolation},
 * in {@code IN_PROCESS} mode it loads the native library into this one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = 1)
@Fork(5)
public class TokenizerColdLoadBenchmark {

    /** {@code IN_PROCESS} or {@code CHILD_PROCESS}. */
    @Param({"IN_PROCESS", "CHILD_PROCESS"})
    public String isolation;

    private Path dir;

    /**
     * Finds the bundled tokenizer (extracting the bundled model if needed).
     *
     * @throws Exception if it cannot be found
     */
    @Setup
    public void setUp() throws Exception {
        dir = LayerSkipModels.resolve("tiny-layerskip");
    }

    /**
     * Loads and closes the tokenizer.
     *
     * @return the vocabulary size
     */
    @Benchmark
    public int coldLoad() {
        try (LlamaTokenizer t = LlamaTokenizer.load(dir, TokenizerIsolation.valueOf(isolation))) {
            return t.vocabSize();
        }
    }
}
