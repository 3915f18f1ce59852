package org.layerskip.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.engine.EngineKind;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching gives every request what it gets alone: greedy and sampled, every strategy,
 * requests joining and leaving a running batch, rows reused; plus stopping, cancellation, a full
 * queue and closing the model underneath.
 */
public class ContinuousBatcherTest {

    private NDManager manager;
    private LlamaModel model;
    private Generator generator;

    @BeforeClass
    public void setUp() {
        manager = NDManager.newBaseManager();
        model = TinyModels.random(manager, TinyModels.config(4, false), 21);
        generator = new Generator(model, 2, 3);
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @DataProvider(name = "engines")
    public Object[][] engines() {
        return new Object[][] {{EngineKind.FUSED}, {EngineKind.OPS}};
    }

    /** 16 prompts of different lengths, a mix of strategies, 4 rows: joins, leaves, reused rows. */
    private static List<long[]> prompts(int n, long seed) {
        Random r = new Random(seed);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] p = new long[1 + r.nextInt(12)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) {
                p[j] = 3 + r.nextInt(90);
            }
            out.add(p);
        }
        return out;
    }

    private static GenerationOptions options(int i, boolean sampled) {
        DecodingStrategy s = DecodingStrategy.values()[i % 3];
        GenerationOptions.Builder b =
                GenerationOptions.builder()
                        .optStrategy(s)
                        .optMaxNewTokens(5 + (i * 7) % 19)
                        .optEosTokenIds(List.of())
                        .optExitLayer(s == DecodingStrategy.AUTOREGRESSIVE ? 0 : 1 + i % 3)
                        .optNumSpeculations(s == DecodingStrategy.SELF_SPECULATIVE ? 1 + i % 4 : 0)
                        .optSeed(100 + i);
        if (sampled) {
            b.optTemperature(i % 2 == 0 ? 0.8 : 1.1).optTopK(i % 2 == 0 ? 20 : 0);
        }
        return b.build();
    }

    private void assertEqualsAlone(EngineKind engine, boolean sampled) throws Exception {
        List<long[]> prompts = prompts(16, sampled ? 7 : 3);
        try (BatchScheduler scheduler =
                new BatchScheduler(
                        ContinuousBatcher.builder(generator)
                                .optMaxBatch(4)
                                .optEngine(engine)
                                .build())) {
            List<BatchedSequence> seqs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                seqs.add(scheduler.batcher().submit(prompts.get(i), options(i, sampled), null));
                if (i == 7) {
                    Thread.sleep(20); // the second half joins a running batch
                }
            }
            for (int i = 0; i < prompts.size(); i++) {
                GenerationOptions o = options(i, sampled).toBuilder().optEngine(engine).build();
                GenerationResult alone = generator.generate(prompts.get(i), o, null);
                GenerationResult batched = seqs.get(i).result().get(60, TimeUnit.SECONDS);
                Assert.assertEquals(
                        batched.tokenIds(), alone.tokenIds(), "request " + i + " " + o.strategy());
                Assert.assertEquals(batched.finishReason(), alone.finishReason(), "request " + i);
                Assert.assertEquals(batched.strategy(), alone.strategy(), "request " + i);
                if (alone.speculation() != null) {
                    Assert.assertEquals(
                            batched.speculation().drafted(), alone.speculation().drafted());
                    Assert.assertEquals(
                            batched.speculation().accepted(), alone.speculation().accepted());
                }
            }
            BatcherStats st = scheduler.batcher().stats();
            Assert.assertEquals(st.completed(), 16);
            Assert.assertEquals(st.running(), 0);
            Assert.assertTrue(st.meanOccupancy() > 1.5, "batch occupancy " + st.meanOccupancy());
        }
    }

    @Test(dataProvider = "engines")
    public void greedyRequestsEqualTheirStandaloneRuns(EngineKind engine) throws Exception {
        assertEqualsAlone(engine, false);
    }

    @Test(dataProvider = "engines")
    public void sampledRequestsEqualTheirStandaloneRuns(EngineKind engine) throws Exception {
        assertEqualsAlone(engine, true);
    }

    @Test
    public void aListenerStopEndsTheSequenceInsideAcceptedDrafts() throws Exception {
        long[] prompt = {1, 5, 9, 33};
        GenerationOptions o =
                GenerationOptions.builder()
                        .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                        .optExitLayer(3)
                        .optNumSpeculations(4)
                        .optMaxNewTokens(20)
                        .optEosTokenIds(List.of())
                        .build();
        GenerationResult full = generator.generate(prompt, o, null);
        Assert.assertTrue(full.speculation().accepted() > 0, "the test needs accepted drafts");
        try (BatchScheduler scheduler =
                new BatchScheduler(ContinuousBatcher.builder(generator).optMaxBatch(2).build())) {
            for (int k = 1; k <= 8; k++) {
                AtomicInteger seen = new AtomicInteger();
                List<TokenKind> kinds = new ArrayList<>();
                final int stopAt = k;
                TokenListener l =
                        new TokenListener() {
                            @Override
                            public void onToken(int row, long id, TokenKind kind) {
                                seen.incrementAndGet();
                                kinds.add(kind);
                            }

                            @Override
                            public boolean stopRequested(int row) {
                                return seen.get() == stopAt;
                            }
                        };
                GenerationResult r =
                        scheduler.batcher().submit(prompt, o, l).result().get(30, TimeUnit.SECONDS);
                Assert.assertEquals(r.finishReason(), FinishReason.STOP);
                Assert.assertEquals(r.tokenIds().length, k);
                Assert.assertEquals(seen.get(), k, "no token after the stop reaches the listener");
                for (int j = 0; j < k; j++) {
                    Assert.assertEquals(r.tokenIds()[j], full.tokenIds()[j]);
                }
            }
            Assert.assertEquals(scheduler.batcher().stats().running(), 0);
        }
    }

    @Test
    public void cancellingFreesTheRowAndLeavesOthersUnchanged() throws Exception {
        GenerationOptions longRun =
                GenerationOptions.builder().optMaxNewTokens(200).optEosTokenIds(List.of()).build();
        GenerationOptions shortRun = longRun.toBuilder().optMaxNewTokens(30).build();
        long[] other = {1, 7, 7, 8};
        GenerationResult alone = generator.generate(other, shortRun, null);
        try (BatchScheduler scheduler =
                new BatchScheduler(ContinuousBatcher.builder(generator).optMaxBatch(2).build())) {
            ContinuousBatcher b = scheduler.batcher();
            AtomicInteger tokens = new AtomicInteger();
            BatchedSequence victim =
                    b.submit(
                            new long[] {1, 2, 3},
                            longRun,
                            (row, id, kind) -> tokens.incrementAndGet());
            BatchedSequence survivor = b.submit(other, shortRun, null);
            long until = System.currentTimeMillis() + 10_000;
            while (tokens.get() < 3 && System.currentTimeMillis() < until) {
                Thread.sleep(1);
            }
            victim.cancel();
            Assert.expectThrows(
                    CancellationException.class, () -> victim.result().get(10, TimeUnit.SECONDS));
            Assert.assertTrue(tokens.get() < 200);
            Assert.assertEquals(
                    survivor.result().get(30, TimeUnit.SECONDS).tokenIds(), alone.tokenIds());
            Assert.assertEquals(b.stats().cancelled(), 1);
            Assert.assertEquals(b.stats().running(), 0);
            // the freed row serves the next request exactly
            Assert.assertEquals(
                    b.submit(other, shortRun, null).result().get(30, TimeUnit.SECONDS).tokenIds(),
                    alone.tokenIds());
        }
    }

    @Test
    public void aFullQueueRejectsAndBadRequestsFailBeforeQueueing() throws Exception {
        ContinuousBatcher b =
                ContinuousBatcher.builder(generator).optMaxBatch(1).optMaxQueue(2).build();
        try {
            GenerationOptions o = GenerationOptions.builder().optMaxNewTokens(4).build();
            b.submit(new long[] {1}, o, null);
            b.submit(new long[] {1}, o, null);
            Assert.expectThrows(
                    RejectedExecutionException.class, () -> b.submit(new long[] {1}, o, null));
            Assert.expectThrows(
                    IllegalArgumentException.class, () -> b.submit(new long[] {1, 500}, o, null));
            Assert.expectThrows(
                    IllegalArgumentException.class, () -> b.submit(new long[0], o, null));
            Assert.expectThrows(
                    IllegalArgumentException.class,
                    () ->
                            b.submit(
                                    new long[] {1},
                                    o.toBuilder().optMaxNewTokens(300).build(),
                                    null));
            Assert.expectThrows(
                    IllegalArgumentException.class,
                    () ->
                            b.submit(
                                    new long[] {1},
                                    o.toBuilder()
                                            .optStrategy(DecodingStrategy.SELF_SPECULATIVE)
                                            .optNumSpeculations(9)
                                            .build(),
                                    null));
            Assert.assertEquals(b.stats().waiting(), 2);
        } finally {
            b.close();
        }
        Assert.expectThrows(
                IllegalStateException.class,
                () -> b.submit(new long[] {1}, GenerationOptions.builder().build(), null));
    }

    @Test
    public void shutdownFinishesInFlightRequests() throws Exception {
        BatchScheduler scheduler =
                new BatchScheduler(ContinuousBatcher.builder(generator).optMaxBatch(2).build());
        GenerationOptions o =
                GenerationOptions.builder().optMaxNewTokens(12).optEosTokenIds(List.of()).build();
        List<BatchedSequence> seqs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            seqs.add(scheduler.batcher().submit(new long[] {1, 4 + i}, o, null));
        }
        Assert.assertTrue(scheduler.shutdown(Duration.ofSeconds(30)));
        for (BatchedSequence s : seqs) {
            Assert.assertEquals(s.result().get(1, TimeUnit.SECONDS).tokenIds().length, 12);
        }
        Assert.expectThrows(
                IllegalStateException.class,
                () -> scheduler.batcher().submit(new long[] {1}, o, null));
    }

    @Test
    public void closingTheModelFailsRunningRequestsClearly() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            // loaded like every real model: the weights sit behind the model's guard
            LlamaModel own = HfLlama.load(Fixtures.dir("tiny-f32"), m, DataType.FLOAT32);
            Generator g = new Generator(own);
            try (BatchScheduler scheduler =
                    new BatchScheduler(ContinuousBatcher.builder(g).build())) {
                GenerationOptions o =
                        GenerationOptions.builder()
                                .optMaxNewTokens(250)
                                .optEosTokenIds(List.of())
                                .build();
                BatchedSequence s = scheduler.batcher().submit(new long[] {1, 2}, o, null);
                Thread.sleep(30);
                m.close(); // waits for the running step, then the sequence fails
                ExecutionException e =
                        Assert.expectThrows(
                                ExecutionException.class,
                                () -> s.result().get(30, TimeUnit.SECONDS));
                Assert.assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
                Assert.assertTrue(
                        e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
            }
        }
    }
}
