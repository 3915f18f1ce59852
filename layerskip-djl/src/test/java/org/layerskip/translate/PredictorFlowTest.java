package org.layerskip.translate;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.DeferredTranslatorFactory;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.RecordedSettings;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Criteria → ZooModel → Predictor gives exactly what the Generator gives. */
public class PredictorFlowTest {

    private static final String[] PROMPTS = {
        "the cat sat on the mat", "hello world", "a big red dog ran", "one two three"
    };

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

    private GenerationOptions direct(int exit, int d, int maxNew) {
        return GenerationOptions.builder()
                .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                .optExitLayer(exit)
                .optNumSpeculations(d)
                .optMaxNewTokens(maxNew)
                .build();
    }

    @Test
    public void textPredictorMatchesGenerator() throws Exception {
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(dir)
                        .optArgument("exitLayer", 1)
                        .optArgument("numSpeculations", 3)
                        .optArgument("maxNewTokens", 20)
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel();
                Predictor<String, String> p = zoo.newPredictor()) {
            Assert.assertTrue(zoo.getBlock() instanceof GenerationBlock);
            for (String prompt : PROMPTS) {
                long[] ids =
                        generator
                                .generate(tokenizer.encode(prompt), direct(1, 3, 20), null)
                                .tokenIds();
                String expected = TextGenerationTranslator.decodeKnown(tokenizer, ids);
                Assert.assertEquals(p.predict(prompt), expected, prompt);
            }
        }
    }

    @Test
    public void requestPredictorReturnsIdsAndStats() throws Exception {
        Criteria<GenerationRequest, GenerationResponse> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder()
                                        .setTypes(
                                                GenerationRequest.class, GenerationResponse.class))
                        .optModelPath(dir)
                        .optArgument("exitLayer", "2")
                        .optArgument("numSpeculations", "4")
                        .build();
        try (ZooModel<GenerationRequest, GenerationResponse> zoo = criteria.loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = zoo.newPredictor()) {
            long[] prompt = tokenizer.encode("the quick fish swam");
            GenerationResult expected = generator.generate(prompt, direct(2, 4, 24), null);
            GenerationResponse r =
                    p.predict(GenerationRequest.ofIds(prompt).with("maxNewTokens", 24));
            Assert.assertEquals(r.tokenIds(), expected.tokenIds());
            Assert.assertEquals(r.finishReason(), expected.finishReason());
            Assert.assertEquals(r.result().strategy(), DecodingStrategy.SELF_SPECULATIVE);
            Assert.assertEquals(r.result().exitLayer(), 2);
            Assert.assertEquals(r.result().numSpeculations(), 4);
            Assert.assertEquals(r.result().promptTokens(), prompt.length);
            Assert.assertNotNull(r.speculation());
            Assert.assertEquals(r.speculation().drafted(), expected.speculation().drafted());
            Assert.assertEquals(r.speculation().accepted(), expected.speculation().accepted());
            Assert.assertTrue(r.speculation().verifications() > 0);
            Assert.assertEquals(
                    r.text(), TextGenerationTranslator.decodeKnown(tokenizer, r.tokenIds()));

            // Text request + per-request override of the strategy.
            GenerationResponse auto =
                    p.predict(
                            GenerationRequest.ofText("the quick fish swam")
                                    .with("strategy", "autoregressive")
                                    .with("maxNewTokens", 24));
            Assert.assertEquals(auto.tokenIds(), expected.tokenIds(), "greedy self-spec is exact");
            Assert.assertNull(auto.speculation());
        }
    }

    @Test
    public void eightThreadsWithOwnPredictorsMatchSequential() throws Exception {
        Criteria<GenerationRequest, GenerationResponse> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder()
                                        .setTypes(
                                                GenerationRequest.class, GenerationResponse.class))
                        .optModelPath(dir)
                        .optArgument("maxNewTokens", 16)
                        .build();
        try (ZooModel<GenerationRequest, GenerationResponse> zoo = criteria.loadModel()) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                GenerationRequest r =
                        GenerationRequest.ofText(PROMPTS[i % PROMPTS.length])
                                .with("exitLayer", 1 + i % 3)
                                .with("numSpeculations", 1 + i % 5);
                if (i % 2 == 1) {
                    r = r.with("temperature", 0.8).with("topP", 0.9).with("seed", 1000 + i);
                }
                requests.add(r);
            }
            List<long[]> sequential = new ArrayList<>();
            try (Predictor<GenerationRequest, GenerationResponse> p = zoo.newPredictor()) {
                for (GenerationRequest r : requests) {
                    sequential.add(p.predict(r).tokenIds());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                for (int round = 0; round < 3; round++) {
                    List<Future<List<long[]>>> futures = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        int start = t;
                        futures.add(
                                pool.submit(
                                        () -> {
                                            List<long[]> out = new ArrayList<>();
                                            try (Predictor<GenerationRequest, GenerationResponse>
                                                    p = zoo.newPredictor()) {
                                                for (int k = 0; k < 8; k++) {
                                                    int i = (start + k) % 8;
                                                    out.add(p.predict(requests.get(i)).tokenIds());
                                                }
                                            }
                                            return out;
                                        }));
                    }
                    for (int t = 0; t < 8; t++) {
                        List<long[]> out = futures.get(t).get();
                        for (int k = 0; k < 8; k++) {
                            int i = (t + k) % 8;
                            Assert.assertEquals(out.get(k), sequential.get(i), "request " + i);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    public void servingPropertiesWithDeferredFactory() throws Exception {
        Path copy = TranslateFixtures.tinyModelWithTokenizer();
        Files.writeString(
                copy.resolve("serving.properties"),
                "engine=PyTorch\n"
                        + "translatorFactory=org.layerskip.translate.LayerSkipTranslatorFactory\n"
                        + "blockFactory=org.layerskip.translate.LlamaBlockFactory\n"
                        + "option.hasParameter=false\n"
                        + "maxNewTokens=12\n"
                        + "exitLayer=1\n"
                        + "numSpeculations=2\n");
        Criteria<String, String> criteria =
                Criteria.builder()
                        .setTypes(String.class, String.class)
                        .optModelPath(copy)
                        .optTranslatorFactory(new DeferredTranslatorFactory())
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel();
                Predictor<String, String> p = zoo.newPredictor()) {
            long[] ids =
                    generator
                            .generate(tokenizer.encode("hello world"), direct(1, 2, 12), null)
                            .tokenIds();
            Assert.assertEquals(
                    p.predict("hello world"), TextGenerationTranslator.decodeKnown(tokenizer, ids));
        }
    }

    @Test
    public void recordedSettingsBecomeTheDefaults() throws Exception {
        Path copy = TranslateFixtures.tinyModelWithTokenizer();
        int layers = generator.getModel().numLayers();
        new RecordedSettings(layers - 1, 3, 1.5, "2026-11-28").write(copy);
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(copy)
                        .optArgument("maxNewTokens", 10)
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel();
                Predictor<String, String> p = zoo.newPredictor()) {
            Generator g = ((GenerationBlock) zoo.getBlock()).getGenerator();
            Assert.assertEquals(g.getDefaultExitLayer(), layers - 1);
            Assert.assertEquals(g.getDefaultNumSpeculations(), 3);
            assertPredictsLikeGenerator(p, direct(layers - 1, 3, 10));
        }
        // explicit arguments win over the file
        try (ZooModel<String, String> zoo =
                        LayerSkipTranslatorFactory.configure(
                                        Criteria.builder().setTypes(String.class, String.class))
                                .optModelPath(copy)
                                .optArgument("exitLayer", 1)
                                .optArgument("numSpeculations", 2)
                                .optArgument("maxNewTokens", 10)
                                .build()
                                .loadModel();
                Predictor<String, String> p = zoo.newPredictor()) {
            assertPredictsLikeGenerator(p, direct(1, 2, 10));
        }
    }

    private void assertPredictsLikeGenerator(Predictor<String, String> p, GenerationOptions o)
            throws Exception {
        long[] ids = generator.generate(tokenizer.encode("hello world"), o, null).tokenIds();
        Assert.assertEquals(
                p.predict("hello world"), TextGenerationTranslator.decodeKnown(tokenizer, ids));
    }

    /**
     * Loads a text model from the folder, expects failure and returns all messages of the cause
     * chain.
     */
    private static String loadFailure(Path dir) {
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(dir)
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel()) {
            throw new AssertionError("expected loading " + dir + " to fail");
        } catch (Exception e) {
            StringBuilder all = new StringBuilder();
            for (Throwable c = e; c != null; c = c.getCause()) {
                all.append(c.getMessage()).append('\n');
            }
            return all.toString();
        }
    }

    @Test
    public void malformedRecordedSettingsFailClearly() throws Exception {
        Path copy = TranslateFixtures.tinyModelWithTokenizer();
        Files.writeString(
                copy.resolve(RecordedSettings.FILE_NAME),
                "{\"exit_layer\": 1.7, \"num_speculations\": 2}");
        String messages = loadFailure(copy);
        Assert.assertTrue(messages.contains(RecordedSettings.FILE_NAME), messages);
        Assert.assertTrue(messages.contains("exit_layer"), messages);
    }

    /**
     * A recorded E that does not fit the model is a default, not a request: skipped
     * (SpeculationDefaults).
     */
    @Test
    public void recordedExitLayerThatDoesNotFitFallsBackToTheLibraryDefault() throws Exception {
        Path copy = TranslateFixtures.tinyModelWithTokenizer();
        Files.writeString(
                copy.resolve(RecordedSettings.FILE_NAME),
                "{\"exit_layer\": 99, \"num_speculations\": 2}");
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(copy)
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel()) {
            GenerationBlock block = (GenerationBlock) zoo.getBlock();
            Assert.assertEquals(
                    block.getGenerator().getDefaultExitLayer(),
                    Math.max(1, block.getModel().numLayers() / 4));
        }
    }

    @Test
    public void textWithoutTokenizerFailsClearly() throws Exception {
        Path bare = Files.createTempDirectory("layerskip-bare");
        for (String f :
                new String[] {"config.json", "generation_config.json", "model.safetensors"}) {
            Files.copy(dir.resolve(f), bare.resolve(f));
        }
        String messages = loadFailure(bare);
        Assert.assertTrue(messages.contains("tokenizer.json"), messages);
    }
}
