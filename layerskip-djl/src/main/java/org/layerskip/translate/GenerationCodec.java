package org.layerskip.translate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;
import org.layerskip.generate.TokenKind;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Encodes a generation request and its result as {@link NDList}s, the only thing a DJL {@code
 * Predictor} passes between a translator and a block. Lossless: every field of {@link
 * GenerationOptions} and {@link GenerationResult} survives the round trip ({@code
 * GenerationCodecTest} checks each one by reflection).
 *
 * <p>Everything but the token ids travels as one small JSON object in a UTF-8 byte array ({@code
 * int8}), with a named field per value and enums by their stable names ({@link
 * DecodingStrategy#cliName()}, {@link FinishReason#jsonName()}, {@link EngineKind#id()}, {@link
 * TokenKind} in lower case), never by ordinal or position: a field or enum constant added, removed
 * or reordered cannot shift the others, and a reader of another version fails with a message naming
 * the field. A request costs one such object, tiny next to a generation.
 *
 * <p>Input list (what {@link GenerationBlock#forward} expects): {@code promptIds (1, T)} int64,
 * then {@code request (n,)} int8 with {@code strategy, max_new_tokens, exit_layer,
 * num_speculations} (0 = the generator's default), {@code confidence_threshold, temperature, top_k,
 * top_p, seed, eos_token_ids} (null = the model's), {@code reuse_exit_states, engine} (null = the
 * default) and {@code stop} (stop strings).
 *
 * <p>Output list: {@code tokenIds (N,)} int64, then {@code result (m,)} int8 with {@code
 * finish_reason, strategy, exit_layer, num_speculations, prompt_tokens, prefill_nanos,
 * decode_nanos, speculation} (null, or {@code drafted, accepted, verifications, round_nanos}),
 * {@code kv_cache_bytes, engine} and {@code kinds} (null, or the {@link TokenKind} of each token).
 *
 * <p>A streamed token ({@link GenerationBlock#forwardStreamIter}) is one int64 array {@code
 * (tokenId, kindId)} with the kind's id from {@link #kindId}.
 */
public final class GenerationCodec {

    private static final Gson GSON = new GsonBuilder().serializeNulls().create();

    /** Stable wire ids of the token kinds (a streamed token is two int64 values). */
    private static final List<TokenKind> KIND_IDS =
            List.of(TokenKind.PLAIN, TokenKind.ACCEPTED, TokenKind.VERIFIED);

    private static final Set<String> REQUEST_FIELDS =
            Set.of(
                    "strategy",
                    "max_new_tokens",
                    "exit_layer",
                    "num_speculations",
                    "confidence_threshold",
                    "temperature",
                    "top_k",
                    "top_p",
                    "seed",
                    "eos_token_ids",
                    "reuse_exit_states",
                    "engine",
                    "stop");

    private static final Set<String> RESULT_FIELDS =
            Set.of(
                    "finish_reason",
                    "strategy",
                    "exit_layer",
                    "num_speculations",
                    "prompt_tokens",
                    "prefill_nanos",
                    "decode_nanos",
                    "speculation",
                    "kv_cache_bytes",
                    "engine",
                    "kinds");

    private static final Set<String> SPECULATION_FIELDS =
            Set.of("drafted", "accepted", "verifications", "round_nanos");

    private GenerationCodec() {}

    /** A token of a streamed generation. */
    public record Token(long id, TokenKind kind) {}

    /**
     * Encodes a prompt and options.
     *
     * @param manager where to create the arrays (the translator context's manager)
     * @param prompt prompt ids
     * @param o options
     * @return the block input
     */
    public static NDList encodeInput(NDManager manager, long[] prompt, GenerationOptions o) {
        return encodeInput(manager, prompt, o, List.of());
    }

    /**
     * Encodes a prompt, options and stop strings.
     *
     * @param manager where to create the arrays
     * @param prompt prompt ids
     * @param o options
     * @param stops stop strings (may be empty)
     * @return the block input
     */
    public static NDList encodeInput(
            NDManager manager, long[] prompt, GenerationOptions o, List<String> stops) {
        JsonObject j = new JsonObject();
        j.addProperty("strategy", o.strategy().cliName());
        j.addProperty("max_new_tokens", o.maxNewTokens());
        j.addProperty("exit_layer", o.exitLayer());
        j.addProperty("num_speculations", o.numSpeculations());
        j.addProperty("confidence_threshold", o.confidenceThreshold());
        j.addProperty("temperature", o.temperature());
        j.addProperty("top_k", o.topK());
        j.addProperty("top_p", o.topP());
        j.addProperty("seed", o.seed());
        j.add("eos_token_ids", o.eosTokenIds() == null ? null : longs(o.eosTokenIds()));
        j.addProperty("reuse_exit_states", o.reuseExitStates());
        j.addProperty("engine", o.engine() == null ? null : o.engine().id());
        JsonArray s = new JsonArray();
        stops.forEach(s::add);
        j.add("stop", s);
        return new NDList(
                manager.create(prompt, new Shape(1, prompt.length)), json(manager, j, "request"));
    }

    /**
     * Reads the prompt of a block input.
     *
     * @param input the block input
     * @return prompt ids
     * @throws IllegalArgumentException if the list does not have the documented layout
     */
    public static long[] decodePrompt(NDList input) {
        check(input);
        NDArray p = input.get(0);
        if (p.getShape().dimension() != 2 || p.getShape().get(0) != 1) {
            throw new IllegalArgumentException(
                    "promptIds must have shape (1, T), got " + p.getShape());
        }
        return p.toLongArray();
    }

    /**
     * Reads the options of a block input.
     *
     * @param input the block input
     * @return the options
     * @throws IllegalArgumentException naming the field when the request is malformed or invalid
     */
    public static GenerationOptions decodeOptions(NDList input) {
        check(input);
        JsonObject j = object(input, "request", REQUEST_FIELDS);
        GenerationOptions.Builder b =
                GenerationOptions.builder()
                        .optStrategy(DecodingStrategy.parse(string(j, "strategy")))
                        .optMaxNewTokens(integer(j, "max_new_tokens"))
                        .optExitLayer(integer(j, "exit_layer"))
                        .optNumSpeculations(integer(j, "num_speculations"))
                        .optConfidenceThreshold(number(j, "confidence_threshold"))
                        .optTemperature(number(j, "temperature"))
                        .optTopK(integer(j, "top_k"))
                        .optTopP(number(j, "top_p"))
                        .optSeed(longValue(j, "seed"))
                        .optReuseExitStates(bool(j, "reuse_exit_states"))
                        .optEngine(
                                j.get("engine").isJsonNull()
                                        ? null
                                        : EngineKind.parse(string(j, "engine")));
        if (!j.get("eos_token_ids").isJsonNull()) {
            List<Long> eos = new ArrayList<>();
            for (JsonElement e : array(j, "eos_token_ids")) {
                eos.add(asLong("eos_token_ids", e));
            }
            b.optEosTokenIds(eos);
        }
        return b.build();
    }

    /**
     * Reads the stop strings of a block input.
     *
     * @param input the block input
     * @return the stop strings, empty when none
     */
    public static List<String> decodeStops(NDList input) {
        check(input);
        JsonObject j = object(input, "request", REQUEST_FIELDS);
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(j, "stop")) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException("request: stop must hold strings, got " + e);
            }
            out.add(e.getAsString());
        }
        return out;
    }

    /**
     * Encodes a result.
     *
     * @param manager where to create the arrays
     * @param r the result
     * @return {@code [tokenIds, result]}
     */
    public static NDList encodeResult(NDManager manager, GenerationResult r) {
        return encodeResult(manager, r, null);
    }

    /**
     * Encodes a result with the kind of every token.
     *
     * @param manager where to create the arrays
     * @param r the result
     * @param kinds one kind per generated token, or null
     * @return {@code [tokenIds, result]}
     */
    public static NDList encodeResult(
            NDManager manager, GenerationResult r, List<TokenKind> kinds) {
        JsonObject j = new JsonObject();
        j.addProperty("finish_reason", r.finishReason().jsonName());
        j.addProperty("strategy", r.strategy().cliName());
        j.addProperty("exit_layer", r.exitLayer());
        j.addProperty("num_speculations", r.numSpeculations());
        j.addProperty("prompt_tokens", r.promptTokens());
        j.addProperty("prefill_nanos", r.prefillNanos());
        j.addProperty("decode_nanos", r.decodeNanos());
        SpeculationStats s = r.speculation();
        if (s == null) {
            j.add("speculation", null);
        } else {
            JsonObject o = new JsonObject();
            o.addProperty("drafted", s.drafted());
            o.addProperty("accepted", s.accepted());
            o.addProperty("verifications", s.verifications());
            o.addProperty("round_nanos", s.roundNanos());
            j.add("speculation", o);
        }
        j.addProperty("kv_cache_bytes", r.kvCacheBytes());
        j.addProperty("engine", r.engine() == null ? null : r.engine().id());
        if (kinds == null) {
            j.add("kinds", null);
        } else {
            JsonArray k = new JsonArray();
            kinds.forEach(t -> k.add(t.name().toLowerCase(Locale.ROOT)));
            j.add("kinds", k);
        }
        return new NDList(manager.create(r.tokenIds()), json(manager, j, "result"));
    }

    /**
     * Decodes a block output.
     *
     * @param output {@code [tokenIds, result]}
     * @return the result
     * @throws IllegalArgumentException naming the field when the output is malformed
     */
    public static GenerationResult decodeResult(NDList output) {
        if (output.size() != 2) {
            throw new IllegalArgumentException(
                    "a generation output is [tokenIds, result], got " + output.size() + " arrays");
        }
        long[] ids = output.get(0).toLongArray();
        JsonObject j = object(output, "result", RESULT_FIELDS);
        SpeculationStats spec = null;
        if (!j.get("speculation").isJsonNull()) {
            if (!j.get("speculation").isJsonObject()) {
                throw new IllegalArgumentException("result: speculation must be an object or null");
            }
            JsonObject s = j.getAsJsonObject("speculation");
            checkFields("result.speculation", s, SPECULATION_FIELDS);
            spec =
                    new SpeculationStats(
                            longValue(s, "drafted"),
                            longValue(s, "accepted"),
                            longValue(s, "verifications"),
                            longValue(s, "round_nanos"));
        }
        return new GenerationResult(
                ids,
                byName(
                        "finish_reason",
                        string(j, "finish_reason"),
                        FinishReason.values(),
                        FinishReason::jsonName),
                DecodingStrategy.parse(string(j, "strategy")),
                integer(j, "exit_layer"),
                integer(j, "num_speculations"),
                integer(j, "prompt_tokens"),
                longValue(j, "prefill_nanos"),
                longValue(j, "decode_nanos"),
                spec,
                longValue(j, "kv_cache_bytes"),
                j.get("engine").isJsonNull() ? null : EngineKind.parse(string(j, "engine")));
    }

    /**
     * Reads the token kinds of a block output.
     *
     * @param output the block output
     * @return one kind per token, or null when the output has none
     */
    public static List<TokenKind> decodeKinds(NDList output) {
        JsonObject j = object(output, "result", RESULT_FIELDS);
        if (j.get("kinds").isJsonNull()) {
            return null;
        }
        List<TokenKind> out = new ArrayList<>();
        for (JsonElement e : array(j, "kinds")) {
            out.add(kind(asString("kinds", e)));
        }
        return out;
    }

    /**
     * Encodes one streamed token.
     *
     * @param manager where to create the array
     * @param id the token id
     * @param kind where it came from
     * @return {@code [(id, kindId) int64]}
     */
    public static NDList encodeToken(NDManager manager, long id, TokenKind kind) {
        return new NDList(manager.create(new long[] {id, kindId(kind)}));
    }

    /**
     * Returns whether a streamed block output is a token (else it is the final output).
     *
     * @param output one list of the stream
     * @return true for a token
     */
    public static boolean isToken(NDList output) {
        return output.size() == 1;
    }

    /**
     * Decodes one streamed token.
     *
     * @param output {@code [(id, kindId) int64]}
     * @return the token
     */
    public static Token decodeToken(NDList output) {
        long[] e = output.head().toLongArray();
        if (output.size() != 1 || e.length != 2) {
            throw new IllegalArgumentException("a streamed token is one int64 array (id, kind id)");
        }
        if (e[1] < 0 || e[1] >= KIND_IDS.size()) {
            throw new IllegalArgumentException("unknown token kind id " + e[1]);
        }
        return new Token(e[0], KIND_IDS.get((int) e[1]));
    }

    /**
     * Returns the stable wire id of a token kind.
     *
     * @param kind the kind
     * @return its id
     */
    static int kindId(TokenKind kind) {
        int i = KIND_IDS.indexOf(kind);
        if (i < 0) {
            throw new IllegalStateException("token kind " + kind + " has no wire id");
        }
        return i;
    }

    private static TokenKind kind(String name) {
        return byName("kinds", name, TokenKind.values(), k -> k.name().toLowerCase(Locale.ROOT));
    }

    private static <E> E byName(String field, String name, E[] values, Function<E, String> nameOf) {
        for (E v : values) {
            if (nameOf.apply(v).equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown " + field + " '" + name + "'");
    }

    private static JsonArray longs(List<Long> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    private static NDArray json(NDManager manager, JsonObject j, String name) {
        byte[] bytes = GSON.toJson(j).getBytes(StandardCharsets.UTF_8);
        NDArray a = manager.create(bytes);
        a.setName(name);
        return a;
    }

    private static JsonObject object(NDList list, String name, Set<String> fields) {
        if (list.size() < 2) {
            throw new IllegalArgumentException(
                    "expected [ids, " + name + "], got " + list.size() + " array(s)");
        }
        NDArray a = list.get(1);
        if (a.getDataType() != DataType.INT8 && a.getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException(
                    name + " must be UTF-8 JSON in an int8 array, got " + a.getDataType());
        }
        byte[] bytes;
        try {
            bytes = a.toByteArray();
        } catch (IllegalStateException x) {
            // the request's arrays live under the model's manager: freed only when the model is
            // closed while this request is being decoded (a race the close guard reports the same)
            throw new IllegalStateException("the model is closed (" + x.getMessage() + ")", x);
        }
        JsonElement e;
        // Gson's tree keeps each number's literal, so a double comes back bit for bit (-0.0 too)
        try (JsonReader reader =
                new JsonReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)))) {
            reader.setStrictness(Strictness.STRICT);
            e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("data after the JSON object");
            }
        } catch (IOException | RuntimeException x) {
            throw new IllegalArgumentException(name + ": " + x.getMessage(), x);
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(name + " must be a JSON object");
        }
        checkFields(name, e.getAsJsonObject(), fields);
        return e.getAsJsonObject();
    }

    private static void checkFields(String what, JsonObject o, Set<String> fields) {
        Set<String> missing = new TreeSet<>(fields);
        missing.removeAll(o.keySet());
        Set<String> unknown = new TreeSet<>(o.keySet());
        unknown.removeAll(fields);
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    what
                            + (missing.isEmpty() ? "" : ": missing " + missing)
                            + (unknown.isEmpty() ? "" : ": unknown " + unknown));
        }
    }

    private static String string(JsonObject j, String key) {
        return asString(key, j.get(key));
    }

    private static String asString(String key, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(key + " must be a string, got " + e);
        }
        return e.getAsString();
    }

    private static JsonArray array(JsonObject j, String key) {
        if (!j.get(key).isJsonArray()) {
            throw new IllegalArgumentException(key + " must be an array, got " + j.get(key));
        }
        return j.getAsJsonArray(key);
    }

    private static boolean bool(JsonObject j, String key) {
        JsonElement e = j.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    private static double number(JsonObject j, String key) {
        JsonElement e = j.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(key + " must be a number, got " + e);
        }
        return e.getAsDouble();
    }

    private static long longValue(JsonObject j, String key) {
        return asLong(key, j.get(key));
    }

    private static long asLong(String key, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(key + " must be an integer, got " + e);
        }
        try {
            return e.getAsBigDecimal().longValueExact();
        } catch (ArithmeticException x) {
            throw new IllegalArgumentException(key + " must be a 64-bit integer, got " + e, x);
        }
    }

    private static int integer(JsonObject j, String key) {
        long v = longValue(j, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be a 32-bit integer, got " + v);
        }
        return (int) v;
    }

    private static void check(NDList input) {
        if (input.size() != 2) {
            throw new IllegalArgumentException(
                    "GenerationBlock expects [promptIds, request], got "
                            + input.size()
                            + " arrays");
        }
    }
}
