package org.layerskip.translate;

import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tokenizer with ids the model does not have is refused when the translator is created, not when
 * a prompt first uses one of them; one with fewer ids is accepted (the translators leave generated
 * ids the tokenizer does not know out of the text).
 */
public class TokenizerVocabularyTest {

    @Test
    public void tokenizerLargerThanTheModelIsRefusedAtLoad() throws Exception {
        Path dir = TranslateFixtures.tinyModelWithTokenizer(); // tiny-f32: vocab_size 256
        Path file = dir.resolve("tokenizer.json");
        JsonObject t = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        JsonObject vocab = t.getAsJsonObject("model").getAsJsonObject("vocab");
        for (int id = vocab.size(); id < 300; id++) {
            vocab.addProperty("w" + id, id);
        }
        Files.writeString(file, t.toString());
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(dir)
                        .build();
        Exception e =
                Assert.expectThrows(
                        Exception.class,
                        () -> {
                            try (ZooModel<String, String> zoo = criteria.loadModel()) {
                                zoo.newPredictor().close();
                            }
                        });
        String chain = "";
        for (Throwable c = e; c != null; c = c.getCause()) {
            chain += c.getMessage() + " | ";
        }
        Assert.assertTrue(
                chain.contains(
                        file
                                + ": the tokenizer has 300 token ids but the model's"
                                + " vocab_size is 256 (config.json): it would produce ids the model does not have"),
                chain);
    }

    @Test
    public void tokenizerSmallerThanTheModelIsAccepted() throws Exception {
        Path dir = TranslateFixtures.tinyModelWithTokenizer(); // 48 ids, vocab_size 256
        Criteria<String, String> criteria =
                LayerSkipTranslatorFactory.configure(
                                Criteria.builder().setTypes(String.class, String.class))
                        .optModelPath(dir)
                        .optArgument("maxNewTokens", 4)
                        .build();
        try (ZooModel<String, String> zoo = criteria.loadModel();
                ai.djl.inference.Predictor<String, String> p = zoo.newPredictor()) {
            Assert.assertNotNull(p.predict("the cat"));
        }
    }
}
