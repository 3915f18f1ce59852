package org.layerskip.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON-lines format of {@code layerskip batch}, shared by the in-process and the Spark runs so
 * that both write the same bytes. An input line is a JSON object with a {@code prompt} string and,
 * optionally, per-row options ({@link RowOptions#KEYS}); any other fields are carried through. An
 * output line is the input object plus {@code text}, {@code token_ids}, {@code finish_reason},
 * {@code num_generated}, {@code acceptance_rate} and {@code error} (these replace input fields of
 * the same name). A line that is not a JSON object becomes {@code {"input_line": ..., ..., "error":
 * ...}}.
 */
public final class JsonLines {

    /** The input field holding the prompt. */
    public static final String PROMPT = "prompt";

    /** The output field holding an unparseable input line. */
    public static final String INPUT_LINE = "input_line";

    private static final Pattern COLUMN = Pattern.compile("line \\d+ column (\\d+)");

    private static final Gson GSON =
            new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private JsonLines() {}

    /**
     * One parsed input line.
     *
     * @param object the JSON object, or null if the line is not one
     * @param request the prompt and options to generate (null when {@code error} is set)
     * @param error why the line cannot be generated, or null
     */
    public record Parsed(JsonObject object, PromptRequest request, String error) {}

    /**
     * Parses an input line (strict JSON).
     *
     * @param line the line
     * @return the parsed line; never throws for bad input
     */
    public static Parsed parse(String line) {
        JsonElement e;
        try (JsonReader reader = new JsonReader(new StringReader(line))) {
            reader.setStrictness(Strictness.STRICT);
            e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                return new Parsed(null, null, "the line has data after its JSON object");
            }
        } catch (IOException | RuntimeException ex) {
            return new Parsed(null, null, "the line is not valid JSON" + where(ex));
        }
        if (!e.isJsonObject()) {
            return new Parsed(null, null, "the line is not a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        JsonElement p = o.get(PROMPT);
        if (p == null || p.isJsonNull()) {
            return new Parsed(o, null, "the row has no prompt");
        }
        if (!p.isJsonPrimitive() || !p.getAsJsonPrimitive().isString()) {
            return new Parsed(o, null, "prompt must be a string, got " + shorten(p.toString()));
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String key : RowOptions.KEYS) {
            JsonElement v = o.get(key);
            if (v == null || v.isJsonNull()) {
                continue;
            }
            if (!v.isJsonPrimitive()) {
                return new Parsed(
                        o,
                        null,
                        key + " must be a number or a string, got " + shorten(v.toString()));
            }
            options.put(key, v.getAsString());
        }
        return new Parsed(o, new PromptRequest(p.getAsString(), options), null);
    }

    /**
     * Formats an output line.
     *
     * @param parsed the parsed input
     * @param rawLine the input line (kept when it is not a JSON object)
     * @param r the row's result
     * @return one line of JSON, no line break
     */
    public static String format(Parsed parsed, String rawLine, GenerationRecord r) {
        JsonObject out;
        if (parsed.object() == null) {
            out = new JsonObject();
            out.addProperty(INPUT_LINE, rawLine);
        } else {
            out = parsed.object().deepCopy();
        }
        out.addProperty(GenerationStruct.TEXT, r.text());
        if (r.tokenIds() == null) {
            out.add(GenerationStruct.TOKEN_IDS, JsonNull.INSTANCE);
        } else {
            JsonArray ids = new JsonArray(r.tokenIds().length);
            for (long id : r.tokenIds()) {
                ids.add(id);
            }
            out.add(GenerationStruct.TOKEN_IDS, ids);
        }
        out.addProperty(GenerationStruct.FINISH_REASON, r.finishReason());
        out.addProperty(GenerationStruct.NUM_GENERATED, r.numGenerated());
        out.addProperty(GenerationStruct.ACCEPTANCE_RATE, r.acceptanceRate());
        out.addProperty(GenerationStruct.ERROR, r.error());
        return GSON.toJson(out);
    }

    /**
     * Reads the result fields of an output line back.
     *
     * @param line an output line
     * @return its result
     */
    public static GenerationRecord result(String line) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        long[] ids = null;
        JsonElement t = o.get(GenerationStruct.TOKEN_IDS);
        if (t != null && t.isJsonArray()) {
            JsonArray a = t.getAsJsonArray();
            ids = new long[a.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = a.get(i).getAsLong();
            }
        }
        return new GenerationRecord(
                string(o, GenerationStruct.TEXT),
                ids,
                string(o, GenerationStruct.FINISH_REASON),
                isNull(o, GenerationStruct.NUM_GENERATED)
                        ? null
                        : o.get(GenerationStruct.NUM_GENERATED).getAsInt(),
                isNull(o, GenerationStruct.ACCEPTANCE_RATE)
                        ? null
                        : o.get(GenerationStruct.ACCEPTANCE_RATE).getAsDouble(),
                string(o, GenerationStruct.ERROR));
    }

    /** Gson's messages advise lenient parsing; keep only where the error is. */
    private static String where(Throwable ex) {
        for (Throwable c = ex; c != null; c = c.getCause()) {
            Matcher m = COLUMN.matcher(String.valueOf(c.getMessage()));
            if (m.find()) {
                return " (error at column " + m.group(1) + ")";
            }
        }
        return "";
    }

    private static boolean isNull(JsonObject o, String key) {
        return o.get(key) == null || o.get(key).isJsonNull();
    }

    private static String string(JsonObject o, String key) {
        return isNull(o, key) ? null : o.get(key).getAsString();
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
