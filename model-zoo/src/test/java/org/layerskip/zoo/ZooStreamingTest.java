package org.layerskip.zoo;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import org.layerskip.generate.TokenKind;
import org.layerskip.translate.GenerationRequest;
import org.layerskip.translate.GenerationResponse;
import org.layerskip.translate.GenerationStream;
import org.layerskip.translate.StreamedToken;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;

/** The README's streaming example: djl:// URL, streamingPredict, marks, same text as predict. */
public class ZooStreamingTest {

    @Test
    public void streamingPredictThroughTheZoo() throws Exception {
        Criteria<GenerationRequest, GenerationStream> c =
                Criteria.builder()
                        .setTypes(GenerationRequest.class, GenerationStream.class)
                        .optModelUrls("djl://org.layerskip/tiny-layerskip")
                        .optArgument("maxNewTokens", 32)
                        .build();
        Criteria<GenerationRequest, GenerationResponse> whole =
                Criteria.builder()
                        .setTypes(GenerationRequest.class, GenerationResponse.class)
                        .optModelUrls("djl://org.layerskip/tiny-layerskip")
                        .optArgument("maxNewTokens", 32)
                        .build();
        GenerationRequest q = GenerationRequest.ofText("def fibonacci(n):");
        String expected;
        try (ZooModel<GenerationRequest, GenerationResponse> m = whole.loadModel();
                Predictor<GenerationRequest, GenerationResponse> p = m.newPredictor()) {
            expected = p.predict(q).text();
        }
        try (ZooModel<GenerationRequest, GenerationStream> m = c.loadModel();
                Predictor<GenerationRequest, GenerationStream> p = m.newPredictor();
                GenerationStream s = p.streamingPredict(q).getIterativeOutput()) {
            StringBuilder text = new StringBuilder();
            List<TokenKind> kinds = new ArrayList<>();
            while (s.hasNext()) {
                StreamedToken t = s.next();
                text.append(t.text());
                kinds.add(t.kind());
            }
            Assert.assertEquals(text.toString(), expected);
            Assert.assertTrue(kinds.contains(TokenKind.ACCEPTED), kinds.toString());
            Assert.assertEquals(s.response().text(), expected);
            Assert.assertNotNull(s.response().speculation());
        }
    }
}
