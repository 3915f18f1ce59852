package org.layerskip.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.io.HfLlama;
import org.layerskip.tokenizer.ChatMessage;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.translate.TextGenerationTranslator;
import org.layerskip.zoo.BundledModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * LangChain4j's ChatModel and StreamingChatModel over the bundled model, in-process: answers equal
 * what the library generates for the templated conversation, alone or from several threads at once;
 * streaming delivers the same text in pieces; stop sequences cut it; unsupported features fail.
 */
public class LayerSkipChatModelTest {

    static final String TEMPLATE =
            "{{ bos_token }}{% for m in messages %}### {{ m.role }}:\n{{ m.content }}\n{% endfor %}"
                    + "{% if add_generation_prompt %}### assistant:\n{% endif %}";

    private LayerSkipChatEngine engine;
    private ChatTemplate template;

    @BeforeClass
    public void load() throws Exception {
        engine =
                LayerSkipChatEngine.builder()
                        .setModel("tiny-layerskip")
                        .optChatTemplate(TEMPLATE)
                        .optMaxBatch(4)
                        .build();
        template = ChatTemplate.of(TEMPLATE, "<s>", "</s>");
    }

    @AfterClass(alwaysRun = true)
    public void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private String expected(List<ChatMessage> chat, int max) {
        long[] ids = template.encode(engine.tokenizer(), chat);
        GenerationResult r =
                engine.generator()
                        .generate(
                                ids,
                                GenerationOptions.builder()
                                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                        .optMaxNewTokens(max)
                                        .build(),
                                null);
        return TextGenerationTranslator.decodeKnown(engine.tokenizer(), r.tokenIds());
    }

    @Test
    public void chatEqualsTheLibraryAloneAndConcurrently() throws Exception {
        LayerSkipChatModel model =
                LayerSkipChatModel.builder().engine(engine).temperature(0.0).maxTokens(32).build();
        ChatResponse r =
                model.chat(SystemMessage.from("Python only."), UserMessage.from("def add(a, b):"));
        String want =
                expected(
                        List.of(
                                ChatMessage.system("Python only."),
                                ChatMessage.user("def add(a, b):")),
                        32);
        Assert.assertFalse(want.isBlank());
        Assert.assertEquals(r.aiMessage().text(), want);
        Assert.assertEquals(r.tokenUsage().outputTokenCount().intValue() <= 32, true);
        Assert.assertEquals(r.metadata().modelName(), "tiny-layerskip");
        Assert.assertTrue(
                r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.STOP);
        String[] prompts = {
            "import sys", "class Node:", "def walk(tree):", "for line in open(", "x = {", "return"
        };
        ExecutorService pool = Executors.newFixedThreadPool(prompts.length);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (String p : prompts) {
                answers.add(pool.submit(() -> model.chat(p)));
            }
            for (int i = 0; i < prompts.length; i++) {
                Assert.assertEquals(
                        answers.get(i).get(60, TimeUnit.SECONDS),
                        expected(List.of(ChatMessage.user(prompts[i])), 32),
                        prompts[i]);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void streamingDeliversTheSameTextAndHonoursStopSequences() throws Exception {
        try (LayerSkipStreamingChatModel model =
                LayerSkipStreamingChatModel.builder()
                        .engine(engine)
                        .temperature(0.0)
                        .maxTokens(40)
                        .build()) {
            String want = expected(List.of(ChatMessage.user("def main():")), 40);
            Assert.assertTrue(want.length() > 10, want);
            String stop = want.substring(5, 8);
            String cut = want.substring(0, want.indexOf(stop));
            for (List<String> stops : List.of(List.<String>of(), List.of(stop))) {
                StringBuilder parts = new StringBuilder();
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                ChatRequest q =
                        ChatRequest.builder()
                                .messages(List.of(UserMessage.from("def main():")))
                                .stopSequences(stops.isEmpty() ? null : stops)
                                .build();
                model.chat(
                        q,
                        new StreamingChatResponseHandler() {
                            @Override
                            public void onPartialResponse(String s) {
                                parts.append(s);
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
                String expect = stops.isEmpty() ? want : cut;
                Assert.assertEquals(parts.toString(), expect, "stops " + stops);
                Assert.assertEquals(r.aiMessage().text(), expect);
                if (!stops.isEmpty()) {
                    Assert.assertEquals(r.finishReason(), FinishReason.STOP);
                }
            }
        }
    }

    @Test
    public void unsupportedFeaturesAndMissingTemplatesFailClearly() throws Exception {
        LayerSkipChatModel model = LayerSkipChatModel.builder().engine(engine).maxTokens(4).build();
        ChatRequest tools =
                ChatRequest.builder()
                        .messages(List.of(UserMessage.from("x")))
                        .toolSpecifications(
                                ToolSpecification.builder().name("f").description("d").build())
                        .build();
        Assert.expectThrows(UnsupportedFeatureException.class, () -> model.chat(tools));
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> LayerSkipChatEngine.builder().setModel("tiny-layerskip").build());
        Assert.assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        Assert.expectThrows(
                IllegalArgumentException.class, () -> LayerSkipChatModel.builder().build());
    }

    @Test
    public void aRecordedExitLayerThatDoesNotFitFallsBack() throws Exception {
        // the library's one rule (SpeculationDefaults), not a failure at build time
        Path dir = Files.createTempDirectory("chat-unfit");
        try (Stream<Path> files =
                Files.list(BundledModels.locate("tiny-layerskip").orElseThrow())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        int layers = HfLlama.readConfig(dir).numLayers();
        Files.writeString(
                dir.resolve("layerskip.json"),
                "{\"exit_layer\": "
                        + layers
                        + ", \"num_speculations\": 3, \"speedup\": 1.1, \"measured_on\": \"2025-01-01\"}");
        try (LayerSkipChatEngine e =
                LayerSkipChatEngine.builder()
                        .setModel(dir.toString())
                        .optChatTemplate(TEMPLATE)
                        .build()) {
            Assert.assertEquals(e.generator().getDefaultExitLayer(), Math.max(1, layers / 4));
            Assert.assertEquals(e.generator().getDefaultNumSpeculations(), 4);
        }
    }
}
