package org.layerskip.config;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The token ids of a Hugging Face {@code generation_config.json} (read by {@link
 * HfConfigJson#readGenerationConfig}); each is empty when the file does not name it.
 *
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenIds {@code eos_token_id}, an int or a list in the file
 */
public record GenerationConfig(OptionalInt bosTokenId, Optional<List<Integer>> eosTokenIds) {

    /** Copies the list. */
    public GenerationConfig {
        eosTokenIds = eosTokenIds.map(List::copyOf);
    }
}
