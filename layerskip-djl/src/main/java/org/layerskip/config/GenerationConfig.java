package org.layerskip.config;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The keys of a Hugging Face {@code generation_config.json} this project uses (read by {@link
 * HfConfigJson#readGenerationConfig}); each is empty when the file does not name it.
 *
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenIds {@code eos_token_id}, an int or a list in the file
 * @param doSample {@code do_sample} (false when absent, as in Transformers)
 * @param temperature {@code temperature}
 * @param topK {@code top_k}
 * @param topP {@code top_p}
 */
public record GenerationConfig(
        OptionalInt bosTokenId,
        Optional<List<Integer>> eosTokenIds,
        boolean doSample,
        OptionalDouble temperature,
        OptionalInt topK,
        OptionalDouble topP) {

    /** Copies the list. */
    public GenerationConfig {
        eosTokenIds = eosTokenIds.map(List::copyOf);
    }
}
