package org.layerskip.translate;

import org.layerskip.tokenizer.ChatMessage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generation request for {@link GenerationRequestTranslator}: prompt text, prompt ids
 * <em>or</em> a conversation (rendered with the model's chat template), plus per-request option
 * overrides under the {@link GenerationArguments} names ({@code exitLayer}, {@code temperature},
 * ...), applied over the translator's defaults, and stop strings.
 *
 * <pre>{@code
 * predictor.predict(GenerationRequest.ofText("the cat").with("maxNewTokens", 16));
 * predictor.predict(GenerationRequest.ofMessages(List.of(ChatMessage.user("Hi"))).withStop("\n"));
 * }</pre>
 *
 * @param prompt prompt text (tokenized with BOS as the tokenizer configuration asks), or null
 * @param promptIds prompt ids used as given, or null
 * @param overrides option overrides; never null
 * @param messages a conversation for the model's chat template, or null
 * @param stop stop strings: generation ends at the first one in the decoded text, which is not
 *     returned (at most {@value StopStrings#MAX_STOPS}); never null
 */
public record GenerationRequest(
        String prompt,
        long[] promptIds,
        Map<String, Object> overrides,
        List<ChatMessage> messages,
        List<String> stop) {

    /**
     * Validates that exactly one of text, ids and messages is given and copies the rest.
     *
     * @param prompt text or null
     * @param promptIds ids or null
     * @param overrides overrides or null
     * @param messages conversation or null
     * @param stop stop strings or null
     */
    public GenerationRequest {
        int given =
                (prompt == null ? 0 : 1) + (promptIds == null ? 0 : 1) + (messages == null ? 0 : 1);
        if (given != 1) {
            throw new IllegalArgumentException(
                    "give exactly one of prompt text, prompt ids or chat messages");
        }
        if (messages != null && messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        promptIds = promptIds == null ? null : promptIds.clone();
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        messages = messages == null ? null : List.copyOf(messages);
        stop = stop == null ? List.of() : new StopStrings(stop).stops(); // validated copy
    }

    /**
     * A request without messages or stop strings.
     *
     * @param prompt text or null
     * @param promptIds ids or null
     * @param overrides overrides or null
     */
    public GenerationRequest(String prompt, long[] promptIds, Map<String, Object> overrides) {
        this(prompt, promptIds, overrides, null, null);
    }

    /**
     * A chat request: the conversation is rendered with the model's chat template ({@code
     * chat_template} in {@code tokenizer_config.json}) and its generation prompt.
     *
     * @param messages the conversation
     * @return the request
     */
    public static GenerationRequest ofMessages(List<ChatMessage> messages) {
        return new GenerationRequest(null, null, null, messages, null);
    }

    /**
     * Returns a copy with stop strings.
     *
     * @param stops the stop strings
     * @return the new request
     */
    public GenerationRequest withStop(String... stops) {
        return new GenerationRequest(prompt, promptIds, overrides, messages, List.of(stops));
    }

    /**
     * A request for prompt text.
     *
     * @param text the prompt
     * @return the request
     */
    public static GenerationRequest ofText(String text) {
        return new GenerationRequest(text, null, null);
    }

    /**
     * A request for prompt ids.
     *
     * @param ids the prompt ids (BOS included if the model wants it)
     * @return the request
     */
    public static GenerationRequest ofIds(long... ids) {
        return new GenerationRequest(null, ids, null);
    }

    /**
     * Returns a copy with one more override.
     *
     * @param name an argument name from {@link GenerationArguments#NAMES}
     * @param value its value (number or string)
     * @return the new request
     */
    public GenerationRequest with(String name, Object value) {
        if (!Arrays.asList(GenerationArguments.NAMES).contains(name)) {
            throw new IllegalArgumentException(
                    "unknown option '"
                            + name
                            + "'; known: "
                            + String.join(", ", GenerationArguments.NAMES));
        }
        Map<String, Object> m = new LinkedHashMap<>(overrides);
        m.put(name, value);
        return new GenerationRequest(prompt, promptIds, m, messages, stop);
    }

    /**
     * Returns the prompt ids (a copy), or null for a text request.
     *
     * @return the ids
     */
    @Override
    public long[] promptIds() {
        return promptIds == null ? null : promptIds.clone();
    }
}
