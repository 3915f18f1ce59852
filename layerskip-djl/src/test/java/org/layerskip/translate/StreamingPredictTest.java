package org.layerskip.translate;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.FinishReason;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.generate.TokenKind;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.ChatMessage;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL's own streaming API ({@code Predictor.streamingPredict}) yields the tokens the generator
 * produces, with their drafted/accepted marks and text; closing the stream stops the generation;
 * chat requests use the model's template; stop strings and generation_config.json defaults apply.
 */
public class StreamingPredictTest {

    private static final String TEMPLATE =
            "{% for m in messages %}{{ bos_token }}{{ m.role }}: {{ m.content }}\\n{% endfor %}"
                    + "{% if add_generation_prompt %}assistant:{% endif %}";

    private Path dir;
    private NDManager manager;
    private Generator generator;
    private LlamaTokenizer tokenizer;

    @BeforeClass
    public void setUp() throws Exception {
        dir = TranslateFixtures.tinyModelWithTokenizer();
        manager = NDManager.newBaseManager();
        LlamaModel model = HfLlama.load(dir, manager, DataType.FLOAT32);
        generator = new Generator(model);
        tokenizer = LlamaTokenizer.load(dir);
    }

    @AfterClass
    public void tearDown() {
        tokenizer.close();
        manager.close();
    }

    private Criteria<GenerationRequest, GenerationStream> criteria(Path model) {
        return LayerSkipTranslatorFactory.configure(
                        Criteria.builder()
                                .setTypes(GenerationRequest.class, GenerationStream.class))
                .optModelPath(model)
                .optArgument("exitLayer", 1)
                .optArgument("numSpeculations", 3)
                .optArgument("maxNewTokens", 30)
                .build();
    }

    private GenerationOptions direct() {
        return GenerationOptions.builder()
                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                .optExitLayer(1)
                .optNumSpeculations(3)
                .optMaxNewTokens(30)
                .build();
    }

    @Test
    public void streamedTokensAreTheGeneratorsWithTheirMarks() throws Exception {
        long[] prompt = tokenizer.encode("the cat sat on the mat");
        List<Long> ids = new ArrayList<>();
        List<TokenKind> kinds = new ArrayList<>();
        GenerationResult expected =
                generator.generate(
                        prompt,
                        direct(),
                        (row, id, kind) -> {
                            ids.add(id);
                            kinds.add(kind);
                        });
        Assert.assertTrue(kinds.contains(TokenKind.ACCEPTED), "the test needs accepted drafts");
        try (ZooModel<GenerationRequest, GenerationStream> zoo = criteria(dir).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor()) {
            Assert.assertTrue(p.supportsStreaming());
            for (int pass = 0; pass < 2; pass++) {
                GenerationRequest q = GenerationRequest.ofText("the cat sat on the mat");
                try (GenerationStream s =
                        pass == 0 ? p.streamingPredict(q).getIterativeOutput() : p.predict(q)) {
                    List<Long> got = new ArrayList<>();
                    List<TokenKind> gotKinds = new ArrayList<>();
                    StringBuilder text = new StringBuilder();
                    while (s.hasNext()) {
                        StreamedToken t = s.next();
                        text.append(t.text());
                        if (t.kind() != null) {
                            got.add(t.tokenId());
                            gotKinds.add(t.kind());
                        }
                    }
                    Assert.assertEquals(got, ids, "pass " + pass);
                    Assert.assertEquals(gotKinds, kinds, "pass " + pass);
                    String all =
                            TextGenerationTranslator.decodeKnown(tokenizer, expected.tokenIds());
                    Assert.assertEquals(text.toString(), all);
                    Assert.assertEquals(s.response().text(), all);
                    Assert.assertEquals(s.response().tokenIds(), expected.tokenIds());
                    Assert.assertEquals(
                            s.response().speculation().accepted(),
                            expected.speculation().accepted());
                }
            }
        }
    }

    @Test
    public void closingTheStreamStopsTheGeneration() throws Exception {
        try (ZooModel<GenerationRequest, GenerationStream> zoo = criteria(dir).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor()) {
            GenerationRequest q =
                    GenerationRequest.ofIds(1, 4, 7)
                            .with("maxNewTokens", 200)
                            .with("strategy", "autoregressive");
            GenerationStream s = p.streamingPredict(q).getIterativeOutput();
            s.next();
            s.next();
            s.close();
            long until = System.currentTimeMillis() + 10_000;
            while (streamThreads() > 0 && System.currentTimeMillis() < until) {
                Thread.sleep(5);
            }
            Assert.assertEquals(streamThreads(), 0, "the generation thread did not stop");
        }
    }

    private static long streamThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("layerskip-stream"))
                .count();
    }

    @Test
    public void stopStringsEndTheTextAndTheGeneration() throws Exception {
        long[] prompt = tokenizer.encode("hello world");
        GenerationResult free = generator.generate(prompt, direct(), null);
        String all = TextGenerationTranslator.decodeKnown(tokenizer, free.tokenIds());
        int space = all.indexOf(' ', 3);
        Assert.assertTrue(space > 0, all);
        String stop = all.substring(space - 1, space + 2);
        String expected = all.substring(0, all.indexOf(stop));
        try (ZooModel<GenerationRequest, GenerationStream> zoo = criteria(dir).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor()) {
            GenerationRequest q = GenerationRequest.ofText("hello world").withStop(stop);
            for (int pass = 0; pass < 2; pass++) {
                try (GenerationStream s =
                        pass == 0 ? p.streamingPredict(q).getIterativeOutput() : p.predict(q)) {
                    StringBuilder text = new StringBuilder();
                    s.forEachRemaining(t -> text.append(t.text()));
                    Assert.assertEquals(text.toString(), expected, "stop '" + stop + "'");
                    Assert.assertEquals(s.response().text(), expected);
                    Assert.assertEquals(s.response().finishReason(), FinishReason.STOP);
                    Assert.assertTrue(s.response().tokenIds().length < free.tokenIds().length);
                }
            }
        }
    }

    @Test
    public void chatRequestsUseTheTemplateOrFailClearly() throws Exception {
        List<ChatMessage> chat =
                List.of(ChatMessage.system("be nice"), ChatMessage.user("the dog"));
        try (ZooModel<GenerationRequest, GenerationStream> zoo = criteria(dir).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor()) {
            TranslateException e =
                    Assert.expectThrows(
                            TranslateException.class,
                            () -> p.predict(GenerationRequest.ofMessages(chat)));
            Assert.assertTrue(e.getMessage().contains("no chat template"), e.getMessage());
        }
        Path withTemplate = TranslateFixtures.tinyModelWithTokenizer();
        String config = Files.readString(withTemplate.resolve("tokenizer_config.json"));
        Files.writeString(
                withTemplate.resolve("tokenizer_config.json"),
                config.replaceFirst("\\{", "{\"chat_template\": \"" + TEMPLATE + "\","));
        ChatTemplate template = ChatTemplate.read(withTemplate).orElseThrow();
        long[] ids = template.encode(tokenizer, chat);
        Assert.assertEquals(ids[0], tokenizer.bosTokenId().getAsLong());
        GenerationResult expected = generator.generate(ids, direct(), null);
        try (ZooModel<GenerationRequest, GenerationStream> zoo =
                        criteria(withTemplate).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor();
                GenerationStream s = p.predict(GenerationRequest.ofMessages(chat))) {
            s.forEachRemaining(t -> {});
            Assert.assertEquals(s.response().tokenIds(), expected.tokenIds());
            Assert.assertEquals(s.response().result().promptTokens(), ids.length);
        }
    }

    @Test
    public void generationConfigSamplingDefaultsApplyUnlessOverridden() throws Exception {
        Path sampled = TranslateFixtures.tinyModelWithTokenizer();
        Files.writeString(
                sampled.resolve("generation_config.json"),
                "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"do_sample\": true, \"temperature\": 0.7, \"top_k\": 5}");
        long[] prompt = tokenizer.encode("a big red dog ran");
        GenerationOptions sampling =
                direct().toBuilder().optTemperature(0.7).optTopK(5).optTopP(1).build();
        GenerationResult expected = generator.generate(prompt, sampling, null);
        GenerationResult greedy = generator.generate(prompt, direct(), null);
        Assert.assertNotEquals(
                expected.tokenIds(), greedy.tokenIds(), "sampling must change the output");
        try (ZooModel<GenerationRequest, GenerationStream> zoo = criteria(sampled).loadModel();
                Predictor<GenerationRequest, GenerationStream> p = zoo.newPredictor()) {
            try (GenerationStream s = p.predict(GenerationRequest.ofIds(prompt))) {
                s.forEachRemaining(t -> {});
                Assert.assertEquals(s.response().tokenIds(), expected.tokenIds());
            }
            try (GenerationStream s =
                    p.predict(GenerationRequest.ofIds(prompt).with("temperature", 0))) {
                s.forEachRemaining(t -> {});
                Assert.assertEquals(s.response().tokenIds(), greedy.tokenIds());
            }
        }
    }
}
