package org.layerskip.server;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.tokenizer.ChatMessage;

import java.util.List;

/**
 * A validated completion or chat-completion request. Absent optional fields are null.
 *
 * @param chat whether it came to {@code /v1/chat/completions}
 * @param prompt the prompt text (completions), or null
 * @param promptIds prompt token ids (completions with a token-array prompt), or null
 * @param messages the conversation (chat), or null
 * @param maxTokens {@code max_tokens} / {@code max_completion_tokens}, or null
 * @param temperature {@code temperature}, or null
 * @param topP {@code top_p}, or null
 * @param topK {@code top_k} (an extension, as llama.cpp and vLLM accept), or null
 * @param seed {@code seed}, or null
 * @param stop stop strings (empty when none)
 * @param stream whether to answer with server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param strategy LayerSkip extension {@code strategy}, or null (self-speculative)
 * @param exitLayer LayerSkip extension {@code exit_layer}, or null
 * @param numSpeculations LayerSkip extension {@code num_speculations}, or null
 */
public record CompletionRequest(
        boolean chat,
        String prompt,
        long[] promptIds,
        List<ChatMessage> messages,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Long seed,
        List<String> stop,
        boolean stream,
        boolean includeUsage,
        DecodingStrategy strategy,
        Integer exitLayer,
        Integer numSpeculations) {}
