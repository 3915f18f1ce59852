package org.layerskip.reliability;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import org.testng.Assert;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Seeded, structure-aware mutations of a JSON document for fuzz tests: field deletions, type swaps,
 * huge/negative/zero numbers, NaN/Infinity, nested garbage, truncation and byte flips. The number
 * of cases comes from the system property {@value #CASES_PROPERTY} (default per test).
 */
public final class JsonMutator {

    /** System property: number of fuzz cases per test (CI uses each test's default). */
    public static final String CASES_PROPERTY = "layerskip.fuzz.cases";

    private static final Gson GSON =
            new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private static final String[] NUMBERS = {
        "0", "-1", "1", "2", "-2147483648", "2147483647", "2147483648", "9223372036854775807",
        "99999999999999999999999999", "1e308", "1e400", "-1e400", "0.5", "1e-320", "3.0", "65536",
        "1048576", "16777216", "4096", "1e9"
    };

    private static final String[] LITERALS = {
        "NaN",
        "Infinity",
        "-Infinity",
        "\"NaN\"",
        "\"Infinity\"",
        "null",
        "true",
        "false",
        "\"\"",
        "\"64\"",
        "[]",
        "{}",
        "[64]",
        "[[[[[[[[[[1]]]]]]]]]]",
        "{\"a\":{\"b\":{\"c\":[1,2,{}]}}}",
        "\"\\u0000\"",
        "\"llama3\"",
        "\"\\ud800\""
    };

    private final Random random;
    private final List<String> path = new ArrayList<>();

    /**
     * Creates a mutator.
     *
     * @param seed the seed
     */
    public JsonMutator(long seed) {
        this.random = new Random(seed);
    }

    /**
     * Returns the number of cases to run.
     *
     * @param defaultCases the CI default
     * @return the number from {@value #CASES_PROPERTY}, or the default
     */
    public static int cases(int defaultCases) {
        return Integer.getInteger(CASES_PROPERTY, defaultCases);
    }

    /**
     * Returns a mutant of a valid JSON object text.
     *
     * @param valid the original
     * @return a mutated text (may be invalid JSON or invalid UTF-8 bytes decoded leniently)
     */
    public byte[] mutate(String valid) {
        int kind = random.nextInt(10);
        if (kind < 6) {
            JsonObject o = JsonParser.parseString(valid).getAsJsonObject();
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                mutateTree(o);
            }
            return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes = valid.getBytes(StandardCharsets.UTF_8);
        switch (kind) {
            case 6: // truncate
                return java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 7: // flip bits
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return bytes;
            case 8: // JSON-significant characters
                {
                    byte[] symbols =
                            "{}[],:\"0123456789-eE.+ \\nNaI".getBytes(StandardCharsets.US_ASCII);
                    for (int n = 1 + random.nextInt(3); n > 0; n--) {
                        bytes[random.nextInt(bytes.length)] =
                                symbols[random.nextInt(symbols.length)];
                    }
                    return bytes;
                }
            default: // change a digit
                for (int tries = 0; tries < 200; tries++) {
                    int at = random.nextInt(bytes.length);
                    if (bytes[at] >= '0' && bytes[at] <= '9') {
                        bytes[at] = (byte) ('0' + random.nextInt(10));
                        break;
                    }
                }
                return bytes;
        }
    }

    private void mutateTree(JsonObject root) {
        // pick a random object inside the tree (mostly the root)
        JsonObject target = root;
        for (int depth = 0; depth < 4 && random.nextInt(3) == 0; depth++) {
            List<JsonObject> children = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : target.entrySet()) {
                if (e.getValue().isJsonObject()) {
                    children.add(e.getValue().getAsJsonObject());
                } else if (e.getValue().isJsonArray()) {
                    for (JsonElement x : e.getValue().getAsJsonArray()) {
                        if (x.isJsonObject()) {
                            children.add(x.getAsJsonObject());
                        }
                    }
                }
            }
            if (children.isEmpty()) {
                break;
            }
            target = children.get(random.nextInt(children.size()));
        }
        List<String> keys = new ArrayList<>(target.keySet());
        if (keys.isEmpty()) {
            target.add("x", value());
            return;
        }
        String key = keys.get(random.nextInt(keys.size()));
        switch (random.nextInt(5)) {
            case 0:
                target.remove(key);
                break;
            case 1: // number edge cases
                target.add(key, JsonParser.parseString(NUMBERS[random.nextInt(NUMBERS.length)]));
                break;
            case 2: // type swap / literal
                target.add(key, value());
                break;
            case 3: // scale an existing number
                {
                    JsonElement e = target.get(key);
                    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                        double d = e.getAsDouble();
                        double[] factors = {-1, 0, 2, 1000, 1e6, 1e12, 0.5, 1.0000001};
                        target.add(
                                key,
                                new JsonPrimitive(d * factors[random.nextInt(factors.length)]));
                    } else {
                        target.add(key, value());
                    }
                    break;
                }
            default: // wrap in garbage
                {
                    JsonArray a = new JsonArray();
                    a.add(target.get(key));
                    a.add(value());
                    target.add(key, random.nextBoolean() ? a : nest(target.get(key)));
                }
        }
    }

    private JsonElement nest(JsonElement e) {
        JsonObject o = new JsonObject();
        o.add("value", e);
        return o;
    }

    private JsonElement value() {
        String s = LITERALS[random.nextInt(LITERALS.length)];
        try {
            return JsonParser.parseString(s);
        } catch (RuntimeException e) {
            return new JsonPrimitive(s);
        }
    }

    /**
     * Runs one case with a time limit, so a hang fails the test instead of stalling it.
     *
     * @param executor a single-thread executor
     * @param limit the time limit
     * @param what names the case in the failure message
     * @param body the case
     * @param <T> result type
     * @return the body's result
     * @throws Throwable whatever the body threw
     */
    public static <T> T withTimeout(
            ExecutorService executor, Duration limit, String what, Callable<T> body)
            throws Throwable {
        Future<T> f = executor.submit(body);
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            Assert.fail(what + " did not finish within " + limit);
            throw new AssertionError();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /**
     * Shows a mutant in a failure message.
     *
     * @param bytes the mutant
     * @return its first 2000 characters
     */
    public static String show(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }
}
