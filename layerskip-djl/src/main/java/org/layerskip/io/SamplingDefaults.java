package org.layerskip.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.config.ConfigException;
import org.layerskip.config.LlamaConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sampling settings a model's {@code generation_config.json} recommends ({@code do_sample},
 * {@code temperature}, {@code top_k}, {@code top_p}), used when a caller sets none of its own. As in
 * Transformers, {@code do_sample: false} (or no file) means greedy decoding whatever the other keys
 * say, and with {@code do_sample: true} missing keys take Transformers' defaults (temperature 1,
 * top-k 50, top-p 1).
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
        if (!(temperature >= 0) || Double.isInfinite(temperature) || topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException(
                    "invalid sampling defaults: temperature " + temperature + ", top_k " + topK + ", top_p " + topP);
        }
    }

    /**
     * Reads a model folder's {@code generation_config.json}.
     *
     * @param dir the model folder
     * @return its defaults, or {@link #GREEDY} without the file
     * @throws ConfigException naming the file and key when a value has the wrong type or range
     */
    public static SamplingDefaults read(Path dir) {
        Path file = dir.resolve(HfLlama.GENERATION_CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return GREEDY;
        }
        JsonObject o;
        try {
            if (Files.size(file) > LlamaConfig.MAX_FILE_BYTES) {
                throw new ConfigException(file + ": too large for a generation config");
            }
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new ConfigException(file + ": not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException) {
                throw (ConfigException) e;
            }
            throw new ConfigException(file + ": invalid (" + e.getMessage() + ")", e);
        }
        boolean sample = bool(file, o, "do_sample");
        if (!sample) {
            return GREEDY;
        }
        double t = number(file, o, "temperature", 1.0);
        double p = number(file, o, "top_p", 1.0);
        double k = number(file, o, "top_k", 50);
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new ConfigException(file + ": temperature must be a finite number >= 0, got " + t);
        }
        if (!(p > 0 && p <= 1)) {
            throw new ConfigException(file + ": top_p must be in (0, 1], got " + p);
        }
        if (k < 0 || k != Math.rint(k) || k > Integer.MAX_VALUE) {
            throw new ConfigException(file + ": top_k must be an integer >= 0, got " + k);
        }
        // temperature 0 with do_sample is greedy in effect
        return t == 0 ? GREEDY : new SamplingDefaults(true, t, (int) k, p);
    }

    private static boolean bool(Path file, JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new ConfigException(file + ": " + key + " must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    private static double number(Path file, JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ConfigException(file + ": " + key + " must be a number, got " + e);
        }
        return e.getAsDouble();
    }
}
