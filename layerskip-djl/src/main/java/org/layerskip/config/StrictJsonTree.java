package org.layerskip.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses untrusted JSON text (a {@code config.json}, a training {@code state.json}) into a Gson
 * tree, strictly: RFC 8259 only (no comments, single quotes, trailing commas, NaN), no duplicate
 * keys (Gson's and Python's parsers keep the last one silently), nothing after the value, at most
 * {@value #MAX_DEPTH} levels deep.
 *
 * <p>Hand-written on Gson's streaming reader because {@code JsonParser.parseReader} always parses
 * leniently and keeps duplicate keys.
 */
public final class StrictJsonTree {

    /** Deepest nesting accepted; real configuration files have two or three levels. */
    public static final int MAX_DEPTH = 64;

    /** Longest number literal accepted (a double needs at most 25 characters). */
    private static final int MAX_NUMBER_CHARS = 100;

    private static final Pattern POSITION = Pattern.compile("at line (\\d+) column (\\d+)");

    private StrictJsonTree() {}

    /**
     * Parses a JSON document.
     *
     * @param text the text
     * @return the value
     * @throws JsonParseException with a one-line message (where and what) if the text is not one
     *     strict JSON value or has a duplicate key
     */
    public static JsonElement parse(String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement value = read(reader, 0);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("data after the JSON value at " + reader.getPath());
            }
            return value;
        } catch (IOException e) {
            throw new JsonParseException(describe(e.getMessage(), text), e);
        } catch (IllegalStateException e) {
            throw new JsonParseException(describe(e.getMessage(), text), e);
        }
    }

    private static JsonElement read(JsonReader reader, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new JsonParseException(
                    "nested deeper than " + MAX_DEPTH + " levels at " + reader.getPath());
        }
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    if (o.has(name)) {
                        throw new JsonParseException(
                                "duplicate key '" + shorten(name) + "' at " + reader.getPath());
                    }
                    o.add(name, read(reader, depth + 1));
                }
                reader.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    a.add(read(reader, depth + 1));
                }
                reader.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                String path = reader.getPath();
                String literal = reader.nextString();
                if (literal.length() > MAX_NUMBER_CHARS) {
                    throw new JsonParseException(
                            "number of " + literal.length() + " characters at " + path);
                }
                try {
                    return new JsonPrimitive(new BigDecimal(literal));
                } catch (NumberFormatException e) {
                    throw new JsonParseException(
                            "number " + literal + " out of range at " + path, e);
                }
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return JsonNull.INSTANCE;
            }
            default ->
                    throw new JsonParseException(
                            "unexpected " + reader.peek() + " at " + reader.getPath());
        }
    }

    /** Gson's message without its advice and link, plus a hint when a comment is the cause. */
    private static String describe(String message, String text) {
        String m = message == null ? "malformed JSON" : message;
        m =
                m.replace(
                                "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                                "malformed JSON")
                        .replaceAll("\\s*See https?://\\S+", "")
                        .replaceAll("\\s+", " ")
                        .trim();
        Matcher at = POSITION.matcher(m);
        if (at.find()
                && near(text, Integer.parseInt(at.group(1)), Integer.parseInt(at.group(2)), '/')) {
            m += " (a comment? JSON has none)";
        }
        return shorten(m);
    }

    /** Whether the character at or just before a 1-based line and column is {@code c}. */
    private static boolean near(String text, int line, int column, char c) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length) {
            return false;
        }
        String l = lines[line - 1];
        for (int i = column - 2; i <= column - 1; i++) {
            if (i >= 0 && i < l.length() && l.charAt(i) == c) {
                return true;
            }
        }
        return false;
    }

    private static String shorten(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
