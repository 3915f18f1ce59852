package org.layerskip.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * LangChain4j's {@link StreamingChatModel} over a LayerSkip model, in-process: text pieces reach
 * {@link StreamingChatResponseHandler#onPartialResponse(String)} as the decoder accepts tokens
 * (self-speculative rounds deliver several at once), with stop sequences held back until they are
 * ruled out. Callbacks run on one delivery thread per model, never on the decoding thread, so a
 * slow handler cannot stall the batch.
 */
public final class LayerSkipStreamingChatModel implements StreamingChatModel, AutoCloseable {

    private final LayerSkipChatEngine engine;
    private final ChatRun.Settings settings;
    private final ChatRequestParameters defaults;
    private final ExecutorService delivery =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "layerskip-langchain4j-stream");
                        t.setDaemon(true);
                        return t;
                    });

    private LayerSkipStreamingChatModel(ChatModelBuilder.Values v) {
        this.engine = v.engine;
        this.settings = v.settings();
        this.defaults = v.parameters();
    }

    /**
     * Creates a builder.
     *
     * @return a builder
     */
    public static ChatModelBuilder<LayerSkipStreamingChatModel> builder() {
        return new ChatModelBuilder<>(LayerSkipStreamingChatModel::new);
    }

    /** {@inheritDoc} */
    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    /** {@inheritDoc} */
    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        ChatRun run;
        try {
            run =
                    ChatRun.start(
                            engine,
                            request,
                            settings,
                            (text, id, kind) -> {
                                if (!text.isEmpty()) {
                                    delivery.execute(() -> handler.onPartialResponse(text));
                                }
                            });
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        run.sequence
                .result()
                .whenComplete(
                        (r, e) ->
                                delivery.execute(
                                        () -> {
                                            if (e != null) {
                                                handler.onError(
                                                        e instanceof CompletionException
                                                                        && e.getCause() != null
                                                                ? e.getCause()
                                                                : e);
                                                return;
                                            }
                                            String tail = run.text.finish();
                                            if (!tail.isEmpty()) {
                                                handler.onPartialResponse(tail);
                                            }
                                            handler.onCompleteResponse(
                                                    run.response(r, run.text.text()));
                                        }));
    }

    /** Stops the delivery thread (the engine stays open). */
    @Override
    public void close() {
        delivery.shutdown();
    }
}
