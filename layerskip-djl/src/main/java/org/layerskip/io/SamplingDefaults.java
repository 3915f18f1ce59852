package org.layerskip.io;

import org.layerskip.config.ConfigException;
import org.layerskip.config.GenerationConfig;
import org.layerskip.config.HfConfigJson;

import java.nio.file.Path;

/**
 * The sampling settings a model's {@code generation_config.json} recommends ({@code do_sample},
 * {@code temperature}, {@code top_k}, {@code top_p}), used when a caller sets none of its own. As
 * in Transformers, {@code do_sample: false} (or no file) means greedy decoding whatever the other
 * keys say, and with {@code do_sample: true} missing keys take Transformers' defaults (temperature
 * 1, top-k 50, top-p 1).
 *
 * @param doSample whether the model samples by default
 * @param temperature the default temperature (0 when not sampling)
 * @param topK the default top-k (0 = off)
 * @param topP the default top-p (1 = off)
 */
public record SamplingDefaults(boolean doSample, double temperature, int topK, double topP) {

    /** Greedy decoding: what a model without {@code generation_config.json} gets. */
    public static final SamplingDefaults GREEDY = new SamplingDefaults(false, 0, 0, 1);

    /**
     * Checks the values.
     *
     * @param doSample whether to sample
     * @param temperature &gt;= 0
     * @param topK &gt;= 0
     * @param topP in (0, 1]
     */
    public SamplingDefaults {
        if (!(temperature >= 0)
                || Double.isInfinite(temperature)
                || topK < 0
                || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException(
                    "invalid sampling defaults: temperature "
                            + temperature
                            + ", top_k "
                            + topK
                            + ", top_p "
                            + topP);
        }
    }

    /**
     * The defaults a model folder's {@code generation_config.json} recommends (parsed by {@link
     * HfConfigJson#readGenerationConfig}, the one reader of that file).
     *
     * @param dir the model folder
     * @return its defaults, or {@link #GREEDY} without the file
     * @throws ConfigException naming the file and key when a value has the wrong type or range
     */
    public static SamplingDefaults read(Path dir) {
        return HfConfigJson.readGenerationConfig(dir).map(SamplingDefaults::of).orElse(GREEDY);
    }

    /**
     * The defaults of a parsed generation config: greedy unless it samples; with {@code do_sample}
     * missing keys take Transformers' defaults (temperature 1, top-k 50, top-p 1).
     *
     * @param g the parsed file
     * @return its defaults
     */
    public static SamplingDefaults of(GenerationConfig g) {
        if (!g.doSample()) {
            return GREEDY;
        }
        double t = g.temperature().orElse(1.0);
        // temperature 0 with do_sample is greedy in effect
        return t == 0
                ? GREEDY
                : new SamplingDefaults(true, t, g.topK().orElse(50), g.topP().orElse(1.0));
    }
}
