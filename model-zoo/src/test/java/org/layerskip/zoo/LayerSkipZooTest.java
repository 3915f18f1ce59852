package org.layerskip.zoo;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.Repository;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;

import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.translate.GenerationBlock;
import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;
import org.layerskip.translate.TextGenerationTranslator;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/** The zoo, its djl:// URLs and LayerSkipModels, on copies of the tiny fixture. */
public class LayerSkipZooTest {

    private Path root;
    private Path tiny;
    private String previous;

    @BeforeClass
    public void setUp() throws Exception {
        root = Files.createTempDirectory("layerskip-models");
        tiny = ZooFixtures.copyTiny(root.resolve("tiny-layerskip"));
        ZooFixtures.copyTiny(root.resolve("tiny-baseline"));
        previous = System.getProperty(LayerSkipModels.PROPERTY);
        System.setProperty(LayerSkipModels.PROPERTY, root.toString());
    }

    @AfterClass
    public void tearDown() {
        if (previous == null) {
            System.clearProperty(LayerSkipModels.PROPERTY);
        } else {
            System.setProperty(LayerSkipModels.PROPERTY, previous);
        }
    }

    private String expectedText(String prompt, int maxNew) throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                LlamaTokenizer tok = LlamaTokenizer.load(tiny)) {
            Generator g = new Generator(HfLlama.load(tiny, m, DataType.FLOAT32));
            GenerationOptions o =
                    GenerationOptions.builder()
                            .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                            .optMaxNewTokens(maxNew)
                            .build();
            return TextGenerationTranslator.decodeKnown(
                    tok, g.generate(tok.encode(prompt), o, null).tokenIds());
        }
    }

    @Test
    public void zooIsRegistered() {
        ModelZoo zoo = ModelZoo.getModelZoo(LayerSkipModelZoo.GROUP_ID);
        Assert.assertNotNull(zoo);
        Assert.assertNotNull(zoo.getModelLoader("tiny-layerskip"));
        Assert.assertNotNull(zoo.getModelLoader("layerskip-llama3.2-1B"));
        Assert.assertEquals(zoo.getModelLoaders().size(), ZooCatalog.ENTRIES.size());
    }

    @Test
    public void djlUrlLoadsWithoutCeremony() throws Exception {
        Criteria<String, String> c =
                Criteria.builder()
                        .setTypes(String.class, String.class)
                        .optModelUrls("djl://org.layerskip/tiny-layerskip")
                        .optArgument("maxNewTokens", 12)
                        .build();
        try (ZooModel<String, String> model = c.loadModel();
                Predictor<String, String> p = model.newPredictor()) {
            Assert.assertEquals(p.predict("the cat sat"), expectedText("the cat sat", 12));
        }
    }

    @Test
    public void groupAndArtifactIdWithModelDir() throws Exception {
        Criteria<GenerationRequest, GenerationResponse> c =
                Criteria.builder()
                        .setTypes(GenerationRequest.class, GenerationResponse.class)
                        .optGroupId(LayerSkipModelZoo.GROUP_ID)
                        .optArtifactId("tiny-baseline")
                        .optArgument("modelDir", tiny.toString())
                        .optArgument("maxNewTokens", 10)
                        .build();
        try (ZooModel<GenerationRequest, GenerationResponse> model = c.loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
            GenerationResponse r = p.predict(GenerationRequest.ofText("hello world"));
            Assert.assertEquals(r.text(), expectedText("hello world", 10));
            Assert.assertEquals(r.result().strategy(), DecodingStrategy.SELF_SPECULATIVE);
            Assert.assertNotNull(r.speculation());
        }
    }

    @Test
    public void publishedModelCarriesRecommendedDraftLength() throws Exception {
        // A stand-in folder for layerskip-llama2-7B (E=8, d=6): E is overridden for the 4-layer
        // copy.
        Criteria<GenerationRequest, GenerationResponse> c =
                Criteria.builder()
                        .setTypes(GenerationRequest.class, GenerationResponse.class)
                        .optModelUrls("djl://org.layerskip/layerskip-llama2-7B?modelDir=" + tiny)
                        .optArgument("exitLayer", 2)
                        .optArgument("maxNewTokens", 8)
                        .build();
        try (ZooModel<GenerationRequest, GenerationResponse> model = c.loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
            GenerationResponse r = p.predict(GenerationRequest.ofText("a dog"));
            Assert.assertEquals(r.result().exitLayer(), 2);
            Assert.assertEquals(r.result().numSpeculations(), 6);
        }
    }

    @Test
    public void recordedExitLayerThatDoesNotFitFallsBackToTheLibraryDefault() throws Exception {
        // The zoo entry layerskip-llama3.2-1B recommends E = 4; its folder here holds the 4-layer
        // tiny model, where E = 4 leaves no layer to verify: the same rule as the CLI, E = L/4.
        Path models = Files.createTempDirectory("layerskip-models-unfit");
        ZooFixtures.copyTiny(models.resolve("layerskip-llama3.2-1B"));
        String old = System.getProperty(LayerSkipModels.PROPERTY);
        System.setProperty(LayerSkipModels.PROPERTY, models.toString());
        try {
            Criteria<GenerationRequest, GenerationResponse> c =
                    Criteria.builder()
                            .setTypes(GenerationRequest.class, GenerationResponse.class)
                            .optModelUrls("djl://org.layerskip/layerskip-llama3.2-1B")
                            .optArgument("maxNewTokens", 6)
                            .build();
            try (ZooModel<GenerationRequest, GenerationResponse> model = c.loadModel();
                    Predictor<GenerationRequest, GenerationResponse> p = model.newPredictor()) {
                Generator g = ((GenerationBlock) model.getBlock()).getGenerator();
                Assert.assertEquals(g.getModel().numLayers(), 4);
                Assert.assertEquals(g.getDefaultExitLayer(), 1);
                Assert.assertEquals(g.getDefaultNumSpeculations(), 4);
                GenerationResponse r = p.predict(GenerationRequest.ofText("a dog"));
                Assert.assertEquals(r.result().exitLayer(), 1);
                Assert.assertEquals(r.result().strategy(), DecodingStrategy.SELF_SPECULATIVE);
            }
            // where the recommendation fits, it is the default (not an explicit request option)
            Criteria<GenerationRequest, GenerationResponse> fits =
                    Criteria.builder()
                            .setTypes(GenerationRequest.class, GenerationResponse.class)
                            .optModelUrls(
                                    "djl://org.layerskip/layerskip-llama2-13B?modelDir=" + tiny)
                            .build();
            try (ZooModel<GenerationRequest, GenerationResponse> model = fits.loadModel()) {
                Generator g = ((GenerationBlock) model.getBlock()).getGenerator();
                Assert.assertEquals(g.getDefaultExitLayer(), 1, "E = 15 does not fit 4 layers");
                Assert.assertEquals(g.getDefaultNumSpeculations(), 12, "the entry's d is kept");
            }
        } finally {
            System.setProperty(LayerSkipModels.PROPERTY, old);
        }
    }

    @Test
    public void missingPublishedModelSaysWhatToDownload() {
        Criteria<String, String> c =
                Criteria.builder()
                        .setTypes(String.class, String.class)
                        .optGroupId(LayerSkipModelZoo.GROUP_ID)
                        .optArtifactId("layerskip-llama3.2-1B")
                        .build();
        try {
            c.loadModel().close();
            Assert.fail("expected ModelNotFoundException");
        } catch (ModelNotFoundException e) {
            String all =
                    e.getMessage() + " " + (e.getCause() == null ? "" : e.getCause().getMessage());
            Assert.assertTrue(all.contains("facebook/layerskip-llama3.2-1B"), all);
        } catch (Exception e) {
            Assert.fail("unexpected " + e);
        }
        IllegalStateException e =
                Assert.expectThrows(
                        IllegalStateException.class,
                        () -> LayerSkipModels.resolve("layerskip-llama3.2-1B"));
        Assert.assertTrue(
                e.getMessage().contains("huggingface-cli download facebook/layerskip-llama3.2-1B"));
        Assert.assertTrue(
                e.getMessage().contains(root.resolve("layerskip-llama3.2-1B").toString()));
        Assert.assertTrue(e.getMessage().contains("LAYERSKIP_MODELS"));
    }

    @Test
    public void resolveIdsAndPaths() {
        Assert.assertEquals(LayerSkipModels.resolve(tiny.toString()), tiny);
        Assert.assertEquals(LayerSkipModels.resolve("tiny-layerskip"), tiny);
        Assert.assertEquals(LayerSkipModels.resolve("djl://org.layerskip/tiny-layerskip"), tiny);
        Assert.assertEquals(
                LayerSkipModels.resolve("TINY-BASELINE"), root.resolve("tiny-baseline"));
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class, () -> LayerSkipModels.resolve("gpt-5"));
        Assert.assertTrue(e.getMessage().contains("layerskip-llama2-7B"), e.getMessage());
        Assert.assertThrows(
                IllegalArgumentException.class, () -> LayerSkipModels.resolve(root.toString()));
    }

    @Test
    public void otherDjlUrlsGoToDjlsOwnFactory() {
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> Repository.newInstance("x", "djl://ai.djl.nosuchzoo/resnet"));
        Assert.assertTrue(e.getMessage().contains("ModelZoo not found"), e.getMessage());
    }
}
