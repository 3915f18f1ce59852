package org.layerskip.spark;

import java.util.Map;

/**
 * One row to generate for: its prompt text and its per-row option overrides.
 *
 * @param prompt the prompt text (null or empty rows get an error result)
 * @param options overrides of {@link RowOptions#KEYS} as text (empty for none)
 */
public record PromptRequest(String prompt, Map<String, String> options) {

    /** Normalises a null option map to an empty one. */
    public PromptRequest {
        options = options == null ? Map.of() : options;
    }
}
