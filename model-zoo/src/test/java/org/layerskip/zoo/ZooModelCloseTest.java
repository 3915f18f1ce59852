package org.layerskip.zoo;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ZooModel.close()} while predictors on other threads generate: every prediction either
 * completes or fails with a clear "closed" error (the model's guard while it runs; DJL's "NDManager
 * has been closed already." or the tokenizer's "... the tokenizer is closed" for predictions that
 * start after close); nothing crashes, and close waits for running generations.
 */
public class ZooModelCloseTest {

    @Test
    public void closingAZooModelDuringPredictionsIsSafe() throws Exception {
        for (int delay : new int[] {0, 5, 25, 80}) {
            Criteria<String, String> c =
                    Criteria.builder()
                            .setTypes(String.class, String.class)
                            .optModelUrls("djl://org.layerskip/tiny-layerskip")
                            .optArgument("maxNewTokens", 48)
                            .build();
            ZooModel<String, String> model = c.loadModel();
            AtomicInteger done = new AtomicInteger();
            AtomicInteger closed = new AtomicInteger();
            List<Throwable> unexpected = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread w =
                        new Thread(
                                () -> {
                                    try (Predictor<String, String> p = model.newPredictor()) {
                                        for (int i = 0; i < 200; i++) {
                                            p.predict("def main():");
                                            done.incrementAndGet();
                                        }
                                    } catch (TranslateException | IllegalStateException e) {
                                        Throwable root = e;
                                        while (root.getCause() != null
                                                && !(root instanceof IllegalStateException)) {
                                            root = root.getCause();
                                        }
                                        String m = String.valueOf(root.getMessage());
                                        // ours while a prediction runs; DJL's own when a new
                                        // prediction's context
                                        // cannot be made on the closed model's manager
                                        if (m.startsWith("the model is closed")
                                                || m.startsWith("the model was closed")
                                                || m.equals("NDManager has been closed already.")
                                                || m.endsWith("the tokenizer is closed")) {
                                            closed.incrementAndGet();
                                        } else {
                                            synchronized (unexpected) {
                                                unexpected.add(e);
                                            }
                                        }
                                    } catch (Throwable e) {
                                        synchronized (unexpected) {
                                            unexpected.add(e);
                                        }
                                    }
                                });
                w.start();
                threads.add(w);
            }
            Thread.sleep(delay);
            model.close();
            for (Thread w : threads) {
                w.join(60_000);
                Assert.assertFalse(w.isAlive());
            }
            Assert.assertTrue(unexpected.isEmpty(), "delay " + delay + ": " + unexpected);
            Assert.assertEquals(closed.get(), 4, "delay " + delay);
        }
    }
}
