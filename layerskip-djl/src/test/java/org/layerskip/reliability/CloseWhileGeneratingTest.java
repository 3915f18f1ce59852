package org.layerskip.reliability;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.DecodingStrategy;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closing a model's manager while other threads generate on it (issue: this used to free the
 * weights under running native calls, SIGSEGV): running generations either finish or stop with a
 * clear "closed" exception, close waits for them, and later calls fail clearly.
 */
public class CloseWhileGeneratingTest {

    @Test
    public void closingDuringGenerationNeverCrashes() throws Exception {
        int[] delaysMs = {0, 1, 3, 7, 15, 30, 60, 120};
        for (int round = 0; round < delaysMs.length; round++) {
            NDManager manager = NDManager.newBaseManager();
            LlamaModel model = HfLlama.load(Fixtures.dir("tiny-f32"), manager, DataType.FLOAT32);
            Generator g = new Generator(model);
            int threads = 6;
            CountDownLatch started = new CountDownLatch(threads);
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger stopped = new AtomicInteger();
            List<Throwable> unexpected = new ArrayList<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int id = t;
                Thread w =
                        new Thread(
                                () -> {
                                    GenerationOptions o =
                                            GenerationOptions.builder()
                                                    .optMaxNewTokens(40)
                                                    .optEosTokenIds(List.of())
                                                    .optStrategy(DecodingStrategy.values()[id % 3])
                                                    .optExitLayer(2)
                                                    .optEngine(
                                                            id % 2 == 0
                                                                    ? EngineKind.FUSED
                                                                    : EngineKind.OPS)
                                                    .optTemperature(id % 4 == 3 ? 0.8 : 0)
                                                    .build();
                                    started.countDown();
                                    try {
                                        for (int i = 0; i < 1000; i++) {
                                            g.generate(new long[] {1, 2, 3, 4 + id}, o, null);
                                            completed.incrementAndGet();
                                        }
                                    } catch (IllegalStateException e) {
                                        String msg = String.valueOf(e.getMessage());
                                        if (msg.startsWith("the model is closed")
                                                || msg.startsWith(
                                                        "the model was closed during generation")) {
                                            stopped.incrementAndGet();
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
                workers.add(w);
            }
            Assert.assertTrue(started.await(30, TimeUnit.SECONDS));
            Thread.sleep(delaysMs[round]);
            manager.close(); // waits for running generations, then frees the weights
            for (Thread w : workers) {
                w.join(60_000);
                Assert.assertFalse(w.isAlive(), "a generation did not stop after close");
            }
            Assert.assertTrue(unexpected.isEmpty(), "round " + round + ": " + unexpected);
            Assert.assertEquals(
                    stopped.get(), threads, "every worker ends with a clear 'closed' error");
            IllegalStateException after =
                    Assert.expectThrows(
                            IllegalStateException.class,
                            () ->
                                    g.generate(
                                            new long[] {1},
                                            GenerationOptions.builder().build(),
                                            null));
            Assert.assertTrue(after.getMessage().contains("closed"), after.getMessage());
            Assert.assertTrue(model.guard().isClosed());
        }
    }
}
