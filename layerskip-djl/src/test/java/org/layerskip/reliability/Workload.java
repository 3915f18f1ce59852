package org.layerskip.reliability;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;

import java.util.ArrayList;
import java.util.List;

/** A fixed mix of requests: all three strategies, greedy and sampled, single and batched. */
final class Workload {

    static final long[][] PROMPTS = {{1, 5, 9, 33, 60, 2, 11}, {1}, {1, 44, 3}, {1, 8, 8, 8}};

    private Workload() {}

    /** The option sets of the mix (E and d fit a model of 4 layers). */
    static List<GenerationOptions> options(int maxNew) {
        GenerationOptions base =
                GenerationOptions.builder()
                        .optMaxNewTokens(maxNew)
                        .optEosTokenIds(List.of())
                        .build();
        List<GenerationOptions> out = new ArrayList<>();
        out.add(base);
        out.add(base.toBuilder().optStrategy(DecodingStrategy.EARLY_EXIT).optExitLayer(2).build());
        out.add(
                base.toBuilder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(1)
                        .optNumSpeculations(3)
                        .build());
        out.add(base.toBuilder().optTemperature(0.9).optTopK(30).optTopP(0.9).optSeed(7).build());
        out.add(
                base.toBuilder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(2)
                        .optNumSpeculations(2)
                        .optTemperature(0.7)
                        .optSeed(11)
                        .build());
        return out;
    }

    /**
     * Runs request {@code i} of the mix.
     *
     * @return the generated ids, rows concatenated with -1 separators
     */
    static List<Long> run(Generator g, int i, int maxNew) {
        List<GenerationOptions> all = options(maxNew);
        GenerationOptions o = all.get(i % all.size());
        List<Long> out = new ArrayList<>();
        if ((i / all.size()) % 2 == 0) {
            for (long id : g.generate(PROMPTS[i % PROMPTS.length], o, null).tokenIds()) {
                out.add(id);
            }
        } else {
            g.generateBatch(PROMPTS, o, null)
                    .forEach(
                            r -> {
                                for (long id : r.tokenIds()) {
                                    out.add(id);
                                }
                                out.add(-1L);
                            });
        }
        return out;
    }
}
