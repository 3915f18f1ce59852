package org.layerskip.translate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One generation request for {@link GenerationRequestTranslator}: prompt text <em>or</em> prompt
 * ids, plus per-request option overrides under the {@link GenerationArguments} names ({@code
 * exitLayer}, {@code temperature}, ...), applied over the translator's defaults.
 *
 * <pre>{@code
 * predictor.predict(GenerationRequest.ofText("the cat").with("maxNewTokens", 16));
 * }</pre>
 *
 * @param prompt prompt text (tokenized with BOS as the tokenizer configuration asks), or null
 * @param promptIds prompt ids used as given, or null
 * @param overrides option overrides; never null
 */
public record GenerationRequest(String prompt, long[] promptIds, Map<String, Object> overrides) {

    /**
     * Validates that exactly one of text and ids is given and copies the overrides.
     *
     * @param prompt text or null
     * @param promptIds ids or null
     * @param overrides overrides or null
     */
    public GenerationRequest {
        if ((prompt == null) == (promptIds == null)) {
            throw new IllegalArgumentException("give either prompt text or prompt ids, not both");
        }
        promptIds = promptIds == null ? null : promptIds.clone();
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
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
        return new GenerationRequest(prompt, promptIds, m);
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
