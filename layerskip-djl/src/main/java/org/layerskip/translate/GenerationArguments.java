package org.layerskip.translate;

import ai.djl.translate.ArgumentsUtil;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.io.SamplingDefaults;

import java.util.Map;

/**
 * Reads {@link GenerationOptions} from DJL arguments ({@code Criteria.optArgument}, model-zoo
 * metadata, {@code serving.properties}, or {@link GenerationRequest#overrides()}).
 *
 * <table>
 *   <caption>Argument names</caption>
 *   <tr><th>name</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>strategy</td><td>{@code autoregressive}, {@code early-exit}, {@code self-speculative}</td><td>self-speculative</td></tr>
 *   <tr><td>exitLayer</td><td>E</td><td>0 = the model's recommendation, else L/4</td></tr>
 *   <tr><td>numSpeculations</td><td>d</td><td>0 = the model's recommendation, else 4</td></tr>
 *   <tr><td>maxNewTokens</td><td>tokens to generate</td><td>64 ({@code config.LibraryDefaults})</td></tr>
 *   <tr><td>temperature</td><td>0 = greedy</td><td>0, or {@code generation_config.json}'s</td></tr>
 *   <tr><td>topK</td><td>0 = off</td><td>0, or {@code generation_config.json}'s</td></tr>
 *   <tr><td>topP</td><td>1 = off</td><td>1, or {@code generation_config.json}'s</td></tr>
 *   <tr><td>seed</td><td>sampling seed</td><td>42</td></tr>
 *   <tr><td>confidenceThreshold</td><td>adaptive draft stop, 0 = off</td><td>0</td></tr>
 * </table>
 *
 * Integers and strings go through {@link ArgumentsUtil}; the three real-valued arguments are parsed
 * as {@code double} here because {@code ArgumentsUtil} only offers {@code float}, which would turn
 * a temperature of 0.7 into 0.699999988.
 */
public final class GenerationArguments {

    /** Argument names understood by {@link #parse}. */
    public static final String[] NAMES = {
        "strategy",
        "exitLayer",
        "numSpeculations",
        "maxNewTokens",
        "temperature",
        "topK",
        "topP",
        "seed",
        "confidenceThreshold"
    };

    private GenerationArguments() {}

    /**
     * Parses arguments over defaults.
     *
     * @param args the arguments (missing keys keep {@code base}'s values)
     * @param base the defaults
     * @return validated options
     * @throws IllegalArgumentException naming the bad argument
     */
    public static GenerationOptions parse(Map<String, ?> args, GenerationOptions base) {
        GenerationOptions.Builder b = base.toBuilder();
        if (args.containsKey("strategy")) {
            b.optStrategy(DecodingStrategy.parse(ArgumentsUtil.stringValue(args, "strategy")));
        }
        if (args.containsKey("exitLayer")) {
            b.optExitLayer(ArgumentsUtil.intValue(args, "exitLayer"));
        }
        if (args.containsKey("numSpeculations")) {
            b.optNumSpeculations(ArgumentsUtil.intValue(args, "numSpeculations"));
        }
        if (args.containsKey("maxNewTokens")) {
            b.optMaxNewTokens(ArgumentsUtil.intValue(args, "maxNewTokens"));
        }
        if (args.containsKey("topK")) {
            b.optTopK(ArgumentsUtil.intValue(args, "topK"));
        }
        if (args.containsKey("seed")) {
            b.optSeed(ArgumentsUtil.longValue(args, "seed"));
        }
        if (args.containsKey("temperature")) {
            b.optTemperature(doubleValue(args, "temperature"));
        }
        if (args.containsKey("topP")) {
            b.optTopP(doubleValue(args, "topP"));
        }
        if (args.containsKey("confidenceThreshold")) {
            b.optConfidenceThreshold(doubleValue(args, "confidenceThreshold"));
        }
        return b.build();
    }

    /**
     * The defaults of a LayerSkip translator: self-speculative, greedy, 64 new tokens.
     *
     * @return the defaults
     */
    public static GenerationOptions defaults() {
        return GenerationOptions.builder().optStrategy(DecodingStrategy.SELF_SPECULATIVE).build();
    }

    /**
     * The defaults of a LayerSkip translator for a model whose {@code generation_config.json}
     * recommends sampling settings: self-speculative, 64 new tokens, its temperature / top-k /
     * top-p (greedy unless it sets {@code do_sample}).
     *
     * @param sampling the model's sampling defaults
     * @return the defaults
     */
    public static GenerationOptions defaults(SamplingDefaults sampling) {
        return defaults().toBuilder()
                .optTemperature(sampling.temperature())
                .optTopK(sampling.topK())
                .optTopP(sampling.topP())
                .build();
    }

    private static double doubleValue(Map<String, ?> args, String key) {
        Object v = args.get(key);
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "'", e);
        }
    }
}
