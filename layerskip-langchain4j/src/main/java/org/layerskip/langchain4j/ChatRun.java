package org.layerskip.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import org.layerskip.generate.BatchedSequence;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.translate.TextStreamListener;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One LangChain4j chat request on a {@link LayerSkipChatEngine}: the conversation through the chat
 * template, the request's parameters (over the chat model's defaults and the model's {@code
 * generation_config.json}) as generation options, stop sequences as stop strings, and the finished
 * result as a {@link ChatResponse}.
 */
final class ChatRun {

    final BatchedSequence sequence;
    final TextStreamListener text;
    private final LayerSkipChatEngine engine;
    private final int promptTokens;

    private ChatRun(
            LayerSkipChatEngine engine,
            BatchedSequence sequence,
            TextStreamListener text,
            int promptTokens) {
        this.engine = engine;
        this.sequence = sequence;
        this.text = text;
        this.promptTokens = promptTokens;
    }

    /** Settings of a chat model that are not LangChain4j request parameters. */
    record Settings(DecodingStrategy strategy, int exitLayer, int numSpeculations, Long seed) {}

    static ChatRun start(
            LayerSkipChatEngine engine,
            ChatRequest request,
            Settings settings,
            TextStreamListener.TextSink sink) {
        ChatRequestParameters p = request.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException(
                    "tools are not supported by LayerSkip chat models");
        }
        if (p.responseFormat() != null && p.responseFormat().type() != ResponseFormatType.TEXT) {
            throw new UnsupportedFeatureException("only text responses are supported");
        }
        for (Double penalty : new Double[] {p.frequencyPenalty(), p.presencePenalty()}) {
            if (penalty != null && penalty != 0) {
                throw new UnsupportedFeatureException(
                        "frequency and presence penalties are not supported");
            }
        }
        List<org.layerskip.tokenizer.ChatMessage> messages = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            messages.add(convert(m));
        }
        long[] ids;
        try {
            ids = engine.template().encode(engine.tokenizer(), messages);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        int context = engine.batcher().maxContext();
        int maxTokens = p.maxOutputTokens() != null ? p.maxOutputTokens() : context - ids.length;
        SamplingDefaults d = engine.sampling();
        GenerationOptions options;
        try {
            options =
                    GenerationOptions.builder()
                            .optStrategy(settings.strategy())
                            .optExitLayer(settings.exitLayer())
                            .optNumSpeculations(settings.numSpeculations())
                            .optMaxNewTokens(maxTokens)
                            .optTemperature(
                                    p.temperature() != null ? p.temperature() : d.temperature())
                            .optTopP(p.topP() != null ? p.topP() : d.topP())
                            .optTopK(p.topK() != null ? p.topK() : d.topK())
                            .optSeed(
                                    settings.seed() != null
                                            ? settings.seed()
                                            : ThreadLocalRandom.current().nextLong())
                            .build();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        List<String> stops = p.stopSequences() == null ? List.of() : p.stopSequences();
        try {
            TextStreamListener listener = new TextStreamListener(engine.tokenizer(), stops, sink);
            BatchedSequence s = engine.batcher().submit(ids, options, listener);
            return new ChatRun(engine, s, listener, ids.length);
        } catch (RejectedExecutionException e) {
            throw new RateLimitException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }

    private static org.layerskip.tokenizer.ChatMessage convert(ChatMessage m) {
        if (m instanceof SystemMessage) {
            return org.layerskip.tokenizer.ChatMessage.system(((SystemMessage) m).text());
        }
        if (m instanceof UserMessage) {
            StringBuilder sb = new StringBuilder();
            for (Content c : ((UserMessage) m).contents()) {
                if (!(c instanceof TextContent)) {
                    throw new UnsupportedFeatureException(
                            "only text content is supported, got " + c.type());
                }
                sb.append(((TextContent) c).text());
            }
            return org.layerskip.tokenizer.ChatMessage.user(sb.toString());
        }
        if (m instanceof AiMessage) {
            AiMessage a = (AiMessage) m;
            if (a.hasToolExecutionRequests()) {
                throw new UnsupportedFeatureException("tool calls are not supported");
            }
            return org.layerskip.tokenizer.ChatMessage.assistant(a.text() == null ? "" : a.text());
        }
        throw new UnsupportedFeatureException(
                "messages of type " + m.type() + " are not supported");
    }

    /** The response of a finished run (call after the sequence completed). */
    ChatResponse response(GenerationResult r, String fullText) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(fullText))
                .id("layerskip-" + UUID.randomUUID())
                .modelName(engine.modelName())
                .tokenUsage(new TokenUsage(promptTokens, r.numGenerated()))
                .finishReason(
                        r.finishReason() == org.layerskip.generate.FinishReason.LENGTH
                                ? FinishReason.LENGTH
                                : FinishReason.STOP)
                .build();
    }
}
