package com.example;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

public class EmbedLayerSkip {

    public static void main(String[] args) throws Exception {
        Criteria<String, String> criteria = Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelUrls("djl://org.layerskip/tiny-layerskip")
                .optArgument("maxNewTokens", 48)
                .optArgument("strategy", "self-speculative")
                .build();
        try (ZooModel<String, String> model = criteria.loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            System.out.println(predictor.predict("def fibonacci(n):"));
        }
    }
}
