package org.layerskip.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.SpeculationStats;
import org.layerskip.generate.TokenKind;

import java.util.List;
import java.util.Locale;

/**
 * Builds the OpenAI response objects: {@code text_completion} and {@code chat.completion}, their
 * streamed chunks, {@code usage}, and the {@code layerskip} extension (strategy, E, d, drafted,
 * accepted, acceptance rate, tokens per verification).
 */
final class Responses {

    private Responses() {}

    /**
     * OpenAI's finish reason: {@code stop} for EOS and stop strings, {@code length} at the limit.
     */
    static String finishReason(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }

    static JsonObject usage(int prompt, int completion) {
        JsonObject u = new JsonObject();
        u.addProperty("prompt_tokens", prompt);
        u.addProperty("completion_tokens", completion);
        u.addProperty("total_tokens", prompt + completion);
        return u;
    }

    /** The {@code layerskip} object of a finished request. */
    static JsonObject layerskip(GenerationResult r, long queueNanos) {
        JsonObject o = new JsonObject();
        o.addProperty("strategy", r.strategy().cliName());
        o.addProperty("exit_layer", r.exitLayer());
        o.addProperty("engine", r.engine() == null ? null : r.engine().id());
        SpeculationStats s = r.speculation();
        if (r.strategy() == DecodingStrategy.SELF_SPECULATIVE && s != null) {
            o.addProperty("num_speculations", r.numSpeculations());
            o.addProperty("drafted", s.drafted());
            o.addProperty("accepted", s.accepted());
            o.addProperty("verifications", s.verifications());
            o.addProperty("acceptance_rate", s.acceptanceRate());
            o.addProperty("tokens_per_verification", s.tokensPerVerification());
        }
        o.addProperty("queue_ms", queueNanos / 1e6);
        o.addProperty("prefill_ms", r.prefillNanos() / 1e6);
        o.addProperty("decode_ms", r.decodeNanos() / 1e6);
        return o;
    }

    /** The whole (non-streamed) response. */
    static JsonObject completion(
            boolean chat,
            String id,
            long created,
            String model,
            String text,
            GenerationResult r,
            long queueNanos) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (chat) {
            JsonObject m = new JsonObject();
            m.addProperty("role", "assistant");
            m.addProperty("content", text);
            choice.add("message", m);
        } else {
            choice.addProperty("text", text);
        }
        choice.add("logprobs", null);
        choice.addProperty("finish_reason", finishReason(r.finishReason()));
        JsonObject o = envelope(chat ? "chat.completion" : "text_completion", id, created, model);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        o.add("choices", choices);
        o.add("usage", usage(r.promptTokens(), r.numGenerated()));
        JsonObject ls = layerskip(r, queueNanos);
        JsonArray ids = new JsonArray();
        for (long t : r.tokenIds()) {
            ids.add(t);
        }
        ls.add("token_ids", ids);
        o.add("layerskip", ls);
        return o;
    }

    /**
     * One streamed chunk.
     *
     * @param text the new text (chat: {@code delta.content}; completions: {@code text}), or null
     * @param role the chat role to announce (first chunk), or null
     * @param finish the finish reason (last chunk), or null
     * @param tokens the tokens behind this chunk with their kinds, or null
     */
    static JsonObject chunk(
            boolean chat,
            String id,
            long created,
            String model,
            String text,
            String role,
            String finish,
            List<long[]> tokens) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (chat) {
            JsonObject delta = new JsonObject();
            if (role != null) {
                delta.addProperty("role", role);
            }
            if (text != null) {
                delta.addProperty("content", text);
            }
            choice.add("delta", delta);
        } else {
            choice.addProperty("text", text == null ? "" : text);
        }
        choice.add("logprobs", null);
        choice.addProperty("finish_reason", finish);
        JsonObject o =
                envelope(chat ? "chat.completion.chunk" : "text_completion", id, created, model);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        o.add("choices", choices);
        if (tokens != null && !tokens.isEmpty()) {
            JsonArray t = new JsonArray();
            for (long[] tk : tokens) {
                JsonObject x = new JsonObject();
                x.addProperty("id", tk[0]);
                x.addProperty(
                        "kind", TokenKind.values()[(int) tk[1]].name().toLowerCase(Locale.ROOT));
                t.add(x);
            }
            JsonObject ls = new JsonObject();
            ls.add("tokens", t);
            o.add("layerskip", ls);
        }
        return o;
    }

    /** The last chunk of a stream with {@code include_usage}: no choices, the usage. */
    static JsonObject usageChunk(
            boolean chat,
            String id,
            long created,
            String model,
            GenerationResult r,
            long queueNanos) {
        JsonObject o =
                envelope(chat ? "chat.completion.chunk" : "text_completion", id, created, model);
        o.add("choices", new JsonArray());
        o.add("usage", usage(r.promptTokens(), r.numGenerated()));
        o.add("layerskip", layerskip(r, queueNanos));
        return o;
    }

    private static JsonObject envelope(String object, String id, long created, String model) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("object", object);
        o.addProperty("created", created);
        o.addProperty("model", model);
        return o;
    }
}
