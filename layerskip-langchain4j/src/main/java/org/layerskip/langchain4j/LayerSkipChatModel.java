package org.layerskip.langchain4j;

import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;

import org.layerskip.generate.GenerationResult;

import java.util.concurrent.ExecutionException;

/**
 * LangChain4j's {@link ChatModel} over a LayerSkip model, in-process: the conversation goes through
 * the model's chat template and is decoded (self-speculatively by default) in the engine's
 * continuous batch, so many threads may chat at once. Request parameters (temperature, top-p,
 * top-k, max output tokens, stop sequences) override the builder's, which override the model's
 * {@code generation_config.json}.
 *
 * <pre>{@code
 * ChatModel model = LayerSkipChatModel.builder().engine(engine).temperature(0.0).maxTokens(64).build();
 * String answer = model.chat("Write a haiku about layers.");
 * }</pre>
 */
public final class LayerSkipChatModel implements ChatModel {

    private final LayerSkipChatEngine engine;
    private final ChatRun.Settings settings;
    private final ChatRequestParameters defaults;

    private LayerSkipChatModel(ChatModelBuilder.Values v) {
        this.engine = v.engine;
        this.settings = v.settings();
        this.defaults = v.parameters();
    }

    /**
     * Creates a builder.
     *
     * @return a builder
     */
    public static ChatModelBuilder<LayerSkipChatModel> builder() {
        return new ChatModelBuilder<>(LayerSkipChatModel::new);
    }

    /** {@inheritDoc} */
    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    /** {@inheritDoc} */
    @Override
    public ChatResponse doChat(ChatRequest request) {
        ChatRun run = ChatRun.start(engine, request, settings, null);
        GenerationResult r;
        try {
            r = run.sequence.result().get();
        } catch (InterruptedException e) {
            run.sequence.cancel();
            Thread.currentThread().interrupt();
            throw new InternalServerException(e);
        } catch (ExecutionException e) {
            throw new InternalServerException(e.getCause());
        }
        run.text.finish();
        return run.response(r, run.text.text());
    }
}
