package org.layerskip.cli;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.SpeculationStats;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregate of one strategy over prompts x repeats.
 *
 * <p>tokens/s is decode-phase throughput (tokens after the first, over decode time, summed over
 * runs); ms/token is total wall time (prefill included) over all generated tokens; speedup compares
 * ms/token with a baseline, as the paper does. CPU ms/token is the same with the calling thread's
 * CPU time in place of wall time: with one PyTorch thread LibTorch computes on the calling thread,
 * so it measures the work and ignores time lost to other processes.
 */
final class Measurement {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    int exitLayer;
    int numSpeculations;
    long tokens;
    long decodeTokens;
    long decodeNanos;
    long totalNanos;
    long cpuNanos;
    long drafted;
    long accepted;
    long verifications;
    long promptTokens;
    long prefillNanos;
    long kvCacheBytes;
    boolean speculative;

    /** Output of the first measured repeat of each prompt. */
    final List<long[]> outputs = new ArrayList<>();

    /**
     * Measures several configurations fairly: first {@code warmup} unmeasured runs of every
     * configuration on the first prompt (JIT and allocator warm-up, which would otherwise favour
     * whatever runs last), then {@code repeats} rounds in which every prompt runs under every
     * configuration in turn, so drift and load from other processes fall on all of them alike.
     *
     * @param gen the generator
     * @param prompts the prompts
     * @param configs what to run, by key; iteration order is kept
     * @param repeats measured runs per prompt and configuration
     * @param warmup unmeasured runs per configuration on the first prompt
     * @param tick called after each run (progress)
     * @param <K> the key type
     * @return one aggregate per configuration, in the order of {@code configs}
     */
    static <K> Map<K, Measurement> runInterleaved(
            Generator gen,
            List<long[]> prompts,
            Map<K, GenerationOptions> configs,
            int repeats,
            int warmup,
            Runnable tick) {
        for (int w = 0; w < warmup; w++) {
            for (GenerationOptions options : configs.values()) {
                gen.generate(prompts.get(0), options, null);
                tick.run();
            }
        }
        Map<K, Measurement> out = new LinkedHashMap<>();
        configs.keySet().forEach(k -> out.put(k, new Measurement()));
        for (int r = 0; r < repeats; r++) {
            for (long[] p : prompts) {
                for (Map.Entry<K, GenerationOptions> e : configs.entrySet()) {
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    GenerationResult res = gen.generate(p, e.getValue(), null);
                    Measurement m = out.get(e.getKey());
                    m.cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
                    m.add(res, r == 0);
                    tick.run();
                }
            }
        }
        return out;
    }

    private void add(GenerationResult r, boolean keep) {
        exitLayer = r.exitLayer();
        numSpeculations = r.numSpeculations();
        tokens += r.numGenerated();
        decodeTokens += Math.max(0, r.numGenerated() - 1);
        decodeNanos += r.decodeNanos();
        totalNanos += r.prefillNanos() + r.decodeNanos();
        promptTokens += r.promptTokens();
        prefillNanos += r.prefillNanos();
        kvCacheBytes = Math.max(kvCacheBytes, r.kvCacheBytes());
        SpeculationStats s = r.speculation();
        if (s != null) {
            speculative = true;
            drafted += s.drafted();
            accepted += s.accepted();
            verifications += s.verifications();
        }
        if (keep) {
            outputs.add(r.tokenIds());
        }
    }

    double tokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeTokens / (decodeNanos / 1e9);
    }

    double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens / (prefillNanos / 1e9);
    }

    double msPerToken() {
        return tokens == 0 ? 0 : totalNanos / 1e6 / tokens;
    }

    double cpuMsPerToken() {
        return tokens == 0 ? 0 : cpuNanos / 1e6 / tokens;
    }

    double cpuSpeedupOver(Measurement baseline) {
        return cpuMsPerToken() == 0 ? 0 : baseline.cpuMsPerToken() / cpuMsPerToken();
    }

    /** Speedup by wall time or, with {@code cpu}, by thread CPU time. */
    double speedupOver(Measurement baseline, boolean cpu) {
        return cpu ? cpuSpeedupOver(baseline) : speedupOver(baseline);
    }

    double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    double speedupOver(Measurement baseline) {
        return msPerToken() == 0 ? 0 : baseline.msPerToken() / msPerToken();
    }

    boolean sameOutputs(Measurement other) {
        if (outputs.size() != other.outputs.size()) {
            return false;
        }
        for (int i = 0; i < outputs.size(); i++) {
            if (!Arrays.equals(outputs.get(i), other.outputs.get(i))) {
                return false;
            }
        }
        return true;
    }
}
