package org.layerskip.server;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.tokenizer.ChatMessage;
import org.layerskip.translate.TextGenerationTranslator;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An unmodified OpenAI client (LangChain4j's {@code langchain4j-open-ai}) talks to the server: chat
 * and streaming chat give what the library generates for the chat-templated prompt.
 */
public class OpenAiClientTest {

    private ServedModel model;
    private LayerSkipServer server;

    @BeforeClass
    public void start() throws Exception {
        model = TestModels.load(TestModels.withChatTemplate());
        server = LayerSkipServer.start(model, ServerConfig.builder().optMaxBatch(4).build());
    }

    @AfterClass(alwaysRun = true)
    public void stop() {
        if (server != null) {
            server.close();
        }
        if (model != null) {
            model.close();
        }
    }

    /** What the library generates for a conversation (greedy, self-speculative, defaults). */
    private GenerationResult expected(List<ChatMessage> chat, int maxTokens) {
        long[] ids = model.chatTemplate().orElseThrow().encode(model.tokenizer(), chat);
        GenerationOptions o =
                GenerationOptions.builder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optMaxNewTokens(maxTokens)
                        .build();
        return model.generator().generate(ids, o, null);
    }

    private String text(GenerationResult r) {
        return TextGenerationTranslator.decodeKnown(model.tokenizer(), r.tokenIds());
    }

    @Test
    public void chatModelGetsTheLibrarysAnswer() {
        OpenAiChatModel client =
                OpenAiChatModel.builder()
                        .baseUrl(server.url() + "/v1")
                        .apiKey("not-needed")
                        .modelName(model.id())
                        .temperature(0.0)
                        .maxTokens(40)
                        .timeout(Duration.ofSeconds(60))
                        .build();
        ChatResponse r =
                client.chat(
                        SystemMessage.from("You write Python."),
                        UserMessage.from("def fibonacci(n):"));
        GenerationResult e =
                expected(
                        List.of(
                                ChatMessage.system("You write Python."),
                                ChatMessage.user("def fibonacci(n):")),
                        40);
        Assert.assertFalse(text(e).isBlank());
        Assert.assertEquals(r.aiMessage().text(), text(e));
        Assert.assertEquals(r.tokenUsage().outputTokenCount().intValue(), e.numGenerated());
        Assert.assertEquals(r.tokenUsage().inputTokenCount().intValue(), e.promptTokens());
        Assert.assertEquals(
                r.finishReason(), e.numGenerated() == 40 ? FinishReason.LENGTH : FinishReason.STOP);
    }

    @Test
    public void streamingChatModelStreamsTheSameAnswer() throws Exception {
        OpenAiStreamingChatModel client =
                OpenAiStreamingChatModel.builder()
                        .baseUrl(server.url() + "/v1")
                        .apiKey("not-needed")
                        .modelName(model.id())
                        .temperature(0.0)
                        .maxTokens(48)
                        .timeout(Duration.ofSeconds(60))
                        .build();
        StringBuilder parts = new StringBuilder();
        int[] pieces = {0};
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        client.chat(
                List.of(UserMessage.from("import os\n")),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partial) {
                        parts.append(partial);
                        pieces[0]++;
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse r) {
                        done.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        GenerationResult e = expected(List.of(ChatMessage.user("import os\n")), 48);
        Assert.assertEquals(parts.toString(), text(e));
        Assert.assertEquals(r.aiMessage().text(), text(e));
        Assert.assertTrue(pieces[0] > 3, "the answer should arrive in pieces, got " + pieces[0]);
    }
}
