package org.layerskip.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.tokenizer.ChatMessage;
import org.layerskip.translate.StopStrings;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates OpenAI completion and chat-completion bodies. Every field the OpenAI schema
 * (or a LayerSkip extension) defines is type-checked, so a wrong type is a 400 naming the field;
 * features this server does not implement ({@code n > 1}, log-probabilities, tools, penalties,
 * logit bias, {@code echo}, {@code best_of}, {@code suffix}, non-text response formats) are refused
 * with a 400 instead of being silently ignored; fields the schema does not define are ignored, as
 * OpenAI's own server does with unknown extensions of SDKs.
 */
public final class RequestParser {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private RequestParser() {}

    /**
     * Parses a body.
     *
     * @param body the raw request body
     * @param chat whether the endpoint is {@code /v1/chat/completions}
     * @return the request
     * @throws ApiException (400) naming the first invalid field
     */
    public static CompletionRequest parse(byte[] body, boolean chat) {
        JsonElement root;
        try {
            JsonReader reader =
                    new JsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("trailing data after the JSON value");
            }
        } catch (JsonParseException | IllegalStateException | IOException e) {
            throw ApiException.invalid(
                    null, "the body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!root.isJsonObject()) {
            throw ApiException.invalid(null, "the body must be a JSON object");
        }
        JsonObject o = root.getAsJsonObject();
        string(o, "model");
        string(o, "user");
        Integer n = integer(o, "n");
        if (n != null && n != 1) {
            throw ApiException.invalid(
                    "n", "n must be 1: this server returns one choice per request");
        }
        refuseUnsupported(o, chat);

        String prompt = null;
        long[] promptIds = null;
        List<ChatMessage> messages = null;
        if (chat) {
            messages = messages(o);
        } else {
            JsonElement p = present(o, "prompt");
            if (p == null) {
                throw ApiException.invalid("prompt", "prompt is required");
            }
            if (p.isJsonArray()) {
                JsonArray a = p.getAsJsonArray();
                if (a.size() == 1 && isString(a.get(0))) {
                    prompt = a.get(0).getAsString();
                } else if (a.size() > 0 && allIntegers(a)) {
                    promptIds = new long[a.size()];
                    for (int i = 0; i < a.size(); i++) {
                        promptIds[i] = a.get(i).getAsLong();
                    }
                } else {
                    throw ApiException.invalid(
                            "prompt",
                            "prompt must be a string, a list of one string, or a list of token ids");
                }
            } else if (isString(p)) {
                prompt = p.getAsString();
            } else {
                throw ApiException.invalid("prompt", "prompt must be a string");
            }
        }

        Integer maxTokens = integer(o, "max_completion_tokens");
        Integer legacy = integer(o, "max_tokens");
        if (maxTokens == null) {
            maxTokens = legacy;
        }
        String maxName = o.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.invalid(maxName, maxName + " must be >= 1, got " + maxTokens);
        }
        Double temperature = number(o, "temperature");
        if (temperature != null && !(temperature >= 0 && temperature <= 2)) {
            throw ApiException.invalid(
                    "temperature", "temperature must be in [0, 2], got " + temperature);
        }
        Double topP = number(o, "top_p");
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw ApiException.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        }
        Integer topK = integer(o, "top_k");
        if (topK != null && topK < 0) {
            throw ApiException.invalid("top_k", "top_k must be >= 0, got " + topK);
        }
        Long seed = longValue(o, "seed");
        List<String> stop = stop(o);
        Boolean stream = bool(o, "stream");
        boolean includeUsage = false;
        JsonElement so = present(o, "stream_options");
        if (so != null) {
            if (!so.isJsonObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            }
            Boolean u = bool(so.getAsJsonObject(), "include_usage");
            includeUsage = u != null && u;
        }
        DecodingStrategy strategy = null;
        String s = string(o, "strategy");
        if (s != null) {
            try {
                strategy = DecodingStrategy.parse(s);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("strategy", e.getMessage());
            }
        }
        Integer exit = integer(o, "exit_layer");
        if (exit != null && exit < 1) {
            throw ApiException.invalid("exit_layer", "exit_layer must be >= 1, got " + exit);
        }
        Integer d = integer(o, "num_speculations");
        if (d != null && d < 1) {
            throw ApiException.invalid(
                    "num_speculations", "num_speculations must be >= 1, got " + d);
        }
        return new CompletionRequest(
                chat,
                prompt,
                promptIds,
                messages,
                maxTokens,
                temperature,
                topP,
                topK,
                seed,
                stop,
                stream != null && stream,
                includeUsage,
                strategy,
                exit,
                d);
    }

    private static void refuseUnsupported(JsonObject o, boolean chat) {
        for (String key : new String[] {"presence_penalty", "frequency_penalty"}) {
            Double v = number(o, key);
            if (v != null && v != 0) {
                throw ApiException.invalid(key, key + " is not supported (only 0)");
            }
        }
        JsonElement bias = present(o, "logit_bias");
        if (bias != null && (!bias.isJsonObject() || bias.getAsJsonObject().size() > 0)) {
            throw ApiException.invalid("logit_bias", "logit_bias is not supported");
        }
        JsonElement lp = present(o, "logprobs");
        if (lp != null) {
            boolean on;
            if (chat) {
                on = requireBool(lp, "logprobs");
            } else {
                on = requireInteger(lp, "logprobs") > 0;
            }
            if (on) {
                throw ApiException.invalid("logprobs", "logprobs are not supported");
            }
        }
        Integer top = integer(o, "top_logprobs");
        if (top != null && top > 0) {
            throw ApiException.invalid("top_logprobs", "top_logprobs are not supported");
        }
        for (String key : new String[] {"tools", "functions"}) {
            JsonElement t = present(o, key);
            if (t != null && (!t.isJsonArray() || t.getAsJsonArray().size() > 0)) {
                throw ApiException.invalid(key, key + " (function calling) is not supported");
            }
        }
        Boolean echo = bool(o, "echo");
        if (echo != null && echo) {
            throw ApiException.invalid("echo", "echo is not supported");
        }
        Integer bestOf = integer(o, "best_of");
        if (bestOf != null && bestOf != 1) {
            throw ApiException.invalid("best_of", "best_of must be 1");
        }
        if (string(o, "suffix") != null) {
            throw ApiException.invalid("suffix", "suffix is not supported");
        }
        JsonElement rf = present(o, "response_format");
        if (rf != null) {
            String type = rf.isJsonObject() ? string(rf.getAsJsonObject(), "type") : null;
            if (!"text".equals(type)) {
                throw ApiException.invalid(
                        "response_format",
                        "only response_format {\"type\": \"text\"} is supported");
            }
        }
    }

    private static List<ChatMessage> messages(JsonObject o) {
        JsonElement m = present(o, "messages");
        if (m == null) {
            throw ApiException.invalid("messages", "messages is required");
        }
        if (!m.isJsonArray()) {
            throw ApiException.invalid("messages", "messages must be an array");
        }
        JsonArray a = m.getAsJsonArray();
        if (a.size() == 0) {
            throw ApiException.invalid("messages", "messages must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String at = "messages[" + i + "]";
            if (!a.get(i).isJsonObject()) {
                throw ApiException.invalid(at, at + " must be an object");
            }
            JsonObject msg = a.get(i).getAsJsonObject();
            String role = string(msg, "role");
            if (role == null || !ROLES.contains(role)) {
                throw ApiException.invalid(
                        at + ".role",
                        at + ".role must be one of system, developer, user, assistant");
            }
            JsonElement c = present(msg, "content");
            String content;
            if (c == null) {
                throw ApiException.invalid(at + ".content", at + ".content is required");
            } else if (isString(c)) {
                content = c.getAsString();
            } else if (c.isJsonArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonElement part : c.getAsJsonArray()) {
                    JsonObject p = part.isJsonObject() ? part.getAsJsonObject() : null;
                    if (p == null
                            || !"text".equals(string(p, "type"))
                            || string(p, "text") == null) {
                        throw ApiException.invalid(
                                at + ".content",
                                at + ".content parts must be {\"type\": \"text\", \"text\": ...}");
                    }
                    sb.append(string(p, "text"));
                }
                content = sb.toString();
            } else {
                throw ApiException.invalid(
                        at + ".content", at + ".content must be a string or text parts");
            }
            // OpenAI's "developer" role is its new name for "system"
            out.add(new ChatMessage("developer".equals(role) ? "system" : role, content));
        }
        return out;
    }

    private static List<String> stop(JsonObject o) {
        JsonElement s = present(o, "stop");
        if (s == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (isString(s)) {
            out.add(s.getAsString());
        } else if (s.isJsonArray()) {
            for (JsonElement e : s.getAsJsonArray()) {
                if (!isString(e)) {
                    throw ApiException.invalid(
                            "stop", "stop must be a string or a list of strings");
                }
                out.add(e.getAsString());
            }
        } else {
            throw ApiException.invalid("stop", "stop must be a string or a list of strings");
        }
        try {
            return new StopStrings(out).stops();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("stop", e.getMessage());
        }
    }

    /** A field's value, or null when it is absent or JSON null. */
    private static JsonElement present(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!isString(e)) {
            throw ApiException.invalid(key, key + " must be a string");
        }
        return e.getAsString();
    }

    private static Boolean bool(JsonObject o, String key) {
        JsonElement e = present(o, key);
        return e == null ? null : requireBool(e, key);
    }

    private static boolean requireBool(JsonElement e, String key) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw ApiException.invalid(key, key + " must be true or false");
        }
        return e.getAsBoolean();
    }

    private static Double number(JsonObject o, String key) {
        JsonElement e = present(o, key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.invalid(key, key + " must be a number");
        }
        double d = e.getAsDouble();
        if (!Double.isFinite(d)) {
            throw ApiException.invalid(key, key + " must be a finite number");
        }
        return d;
    }

    private static Integer integer(JsonObject o, String key) {
        JsonElement e = present(o, key);
        return e == null ? null : requireInteger(e, key);
    }

    private static int requireInteger(JsonElement e, String key) {
        long v = requireLong(e, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw ApiException.invalid(key, key + " is out of range");
        }
        return (int) v;
    }

    private static Long longValue(JsonObject o, String key) {
        JsonElement e = present(o, key);
        return e == null ? null : requireLong(e, key);
    }

    private static long requireLong(JsonElement e, String key) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw ApiException.invalid(key, key + " must be an integer");
        }
        try {
            return new BigDecimal(e.getAsJsonPrimitive().getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException x) {
            throw ApiException.invalid(key, key + " must be an integer in range");
        }
    }

    private static boolean allIntegers(JsonArray a) {
        for (JsonElement e : a) {
            if (!(e instanceof JsonPrimitive) || !e.getAsJsonPrimitive().isNumber()) {
                return false;
            }
            try {
                new BigDecimal(e.getAsString()).longValueExact();
            } catch (ArithmeticException x) {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String m) {
        if (m == null) {
            return "malformed";
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
