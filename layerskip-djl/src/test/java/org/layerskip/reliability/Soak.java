package org.layerskip.reliability;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Soak program: runs N generations (the {@link Workload} mix on tiny-f32, short outputs) in one JVM
 * and reports the resident set size at start, after warm-up and at the end; exits with status 1 if
 * RSS grew by more than the bound after warm-up or arrays leaked.
 *
 * <pre>
 * mvn -o -q -pl layerskip-djl test-compile exec:java ... or:
 * java -cp target/test-classes:target/classes:$(cat cp.txt) org.layerskip.reliability.Soak 10000
 * </pre>
 *
 * Arguments: generations (10000), warm-up generations (500), max new tokens (4), bound in MiB (64).
 */
public final class Soak {

    /**
     * What a soak measured.
     *
     * @param generations requests run after warm-up
     * @param startRssKb RSS before loading the model
     * @param warmRssKb RSS after warm-up
     * @param endRssKb RSS at the end
     * @param seconds wall time of the measured part
     * @param leakedArrays arrays the model's manager gained after warm-up
     */
    public record Report(
            int generations,
            long startRssKb,
            long warmRssKb,
            long endRssKb,
            double seconds,
            int leakedArrays) {

        @Override
        public String toString() {
            return String.format(
                    "%d generations: RSS start %d MiB, after warm-up %d MiB, end %d MiB (%+d KiB);"
                            + " %.1f generations/s; %d arrays leaked",
                    generations,
                    startRssKb / 1024,
                    warmRssKb / 1024,
                    endRssKb / 1024,
                    endRssKb - warmRssKb,
                    generations / seconds,
                    leakedArrays);
        }
    }

    private Soak() {}

    /**
     * Reads VmRSS of this process.
     *
     * @return kilobytes, or -1 where /proc is not available
     */
    public static long rssKb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /**
     * Runs a soak.
     *
     * @param generations requests after warm-up
     * @param warmup requests before the RSS baseline
     * @param maxNew tokens per request
     * @return the measurements
     */
    public static Report run(int generations, int warmup, int maxNew) throws IOException {
        long start = rssKb();
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir("tiny-f32"), manager, DataType.FLOAT32);
            Generator g = new Generator(model);
            for (int i = 0; i < warmup; i++) {
                Workload.run(g, i, maxNew);
            }
            System.gc();
            long warm = rssKb();
            int arrays = ((BaseNDManager) manager).getManagedArrays().size();
            long t0 = System.nanoTime();
            for (int i = 0; i < generations; i++) {
                Workload.run(g, i, maxNew);
                if (Boolean.getBoolean("layerskip.soak.progress") && (i + 1) % 1000 == 0) {
                    System.out.printf(
                            "%d: RSS %d MiB (Java heap committed %d MiB), %.1f generations/s%n",
                            i + 1,
                            rssKb() / 1024,
                            Runtime.getRuntime().totalMemory() >> 20,
                            (i + 1) / ((System.nanoTime() - t0) / 1e9));
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.gc();
            long end = rssKb();
            int leaked = ((BaseNDManager) manager).getManagedArrays().size() - arrays;
            return new Report(generations, start, warm, end, seconds, leaked);
        }
    }

    /**
     * Entry point.
     *
     * @param args generations, warm-up, max new tokens, bound in MiB
     */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int maxNew = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        long boundMb = args.length > 3 ? Long.parseLong(args[3]) : 64;
        Report r = run(n, warmup, maxNew);
        System.out.println(r);
        if (r.endRssKb() - r.warmRssKb() > boundMb * 1024 || r.leakedArrays() != 0) {
            System.out.println("FAIL: RSS grew by more than " + boundMb + " MiB or arrays leaked");
            System.exit(1);
        }
    }
}
