package org.layerskip.spark;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How one row is generated: the job's defaults, overridden per row by the options named in {@link
 * #KEYS}. Rows with equal options are generated together in one batch. Valid by construction (every
 * value is checked by {@link GenerationOptions.Builder#build()}).
 *
 * @param strategy autoregressive, early exit or self-speculative
 * @param maxNewTokens most tokens to generate (&gt;= 1)
 * @param exitLayer E; 0 means the model's recorded value ({@code layerskip.json}) or L/4
 * @param numSpeculations d, the draft length; 0 means the recorded value or 4
 * @param temperature 0 for greedy decoding
 * @param seed the sampling seed
 */
public record RowOptions(
        DecodingStrategy strategy,
        int maxNewTokens,
        int exitLayer,
        int numSpeculations,
        double temperature,
        long seed)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Per-row option: most new tokens (integer). */
    public static final String MAX_NEW_TOKENS = "max_new_tokens";

    /** Per-row option: {@code autoregressive}, {@code early-exit} or {@code self-speculative}. */
    public static final String STRATEGY = "strategy";

    /** Per-row option: exit layer E (integer). */
    public static final String EXIT_LAYER = "exit_layer";

    /** Per-row option: draft length d (integer). */
    public static final String NUM_SPECULATIONS = "num_speculations";

    /** Per-row option: sampling temperature (number, 0 = greedy). */
    public static final String TEMPERATURE = "temperature";

    /** Per-row option: sampling seed (integer). */
    public static final String SEED = "seed";

    /** Every per-row option name. */
    public static final List<String> KEYS =
            List.of(MAX_NEW_TOKENS, STRATEGY, EXIT_LAYER, NUM_SPECULATIONS, TEMPERATURE, SEED);

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException naming the first invalid option
     */
    public RowOptions {
        if (strategy == null) {
            throw new IllegalArgumentException("strategy must not be null");
        }
        toBuilder(strategy, maxNewTokens, exitLayer, numSpeculations, temperature, seed).build();
    }

    /**
     * Returns these options with a row's overrides applied.
     *
     * @param overrides option name to value as text (null values are ignored); names outside {@link
     *     #KEYS} are refused
     * @return the row's options
     * @throws IllegalArgumentException for an unknown name or an invalid value
     */
    public RowOptions with(Map<String, String> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return this;
        }
        DecodingStrategy s = strategy;
        int n = maxNewTokens;
        int e = exitLayer;
        int d = numSpeculations;
        double t = temperature;
        long seedValue = seed;
        for (String key : new TreeSet<>(overrides.keySet())) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown option '" + key + "' (known: " + String.join(", ", KEYS) + ")");
            }
        }
        // in KEYS order, so that a row with several bad options always reports the same one
        for (String key : KEYS) {
            String v = overrides.get(key);
            if (v == null) {
                continue;
            }
            switch (key) {
                case MAX_NEW_TOKENS:
                    n = integer(MAX_NEW_TOKENS, v);
                    break;
                case STRATEGY:
                    s = DecodingStrategy.parse(v);
                    break;
                case EXIT_LAYER:
                    e = integer(EXIT_LAYER, v);
                    break;
                case NUM_SPECULATIONS:
                    d = integer(NUM_SPECULATIONS, v);
                    break;
                case TEMPERATURE:
                    t = number(TEMPERATURE, v);
                    break;
                default:
                    seedValue = longInteger(SEED, v);
                    break;
            }
        }
        return new RowOptions(s, n, e, d, t, seedValue);
    }

    /**
     * Returns the library's options.
     *
     * @return the generation options
     */
    public GenerationOptions toGenerationOptions() {
        return toBuilder(strategy, maxNewTokens, exitLayer, numSpeculations, temperature, seed)
                .build();
    }

    private static GenerationOptions.Builder toBuilder(
            DecodingStrategy s, int n, int e, int d, double t, long seed) {
        return GenerationOptions.builder()
                .optStrategy(s)
                .optMaxNewTokens(n)
                .optExitLayer(e)
                .optNumSpeculations(d)
                .optTemperature(t)
                .optSeed(seed);
    }

    private static int integer(String name, String v) {
        long x = longInteger(name, v);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " is out of range: " + v.strip());
        }
        return (int) x;
    }

    private static long longInteger(String name, String v) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }

    private static double number(String name, String v) {
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
        }
    }
}
