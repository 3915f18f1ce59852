package org.layerskip.reliability;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.layerskip.cache.DecoderState;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * One loaded model serves 8 threads at once: every request gives exactly its sequential result, the
 * parameters are bit-identical afterwards, and nothing computed on a worker thread carries a
 * gradient (PyTorch's grad mode is thread-local; the frozen parameters keep autograd out).
 */
public class ConcurrencyTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 3;
    private static final int MAX_NEW = 5;

    private NDManager manager;
    private LlamaModel model;
    private Generator generator;

    @BeforeClass
    public void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        // loaded on a worker thread on purpose: HfLlama.load must not depend on the engine thread
        ExecutorService once = Executors.newSingleThreadExecutor();
        model =
                once.submit(
                                () ->
                                        HfLlama.load(
                                                Fixtures.dir("tiny-bf16-sharded"),
                                                manager,
                                                DataType.FLOAT32))
                        .get();
        once.shutdown();
        generator = new Generator(model);
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() {
        manager.close();
    }

    private long checksum() {
        CRC32 crc = new CRC32();
        for (Pair<String, Parameter> p : model.getParameters()) {
            ByteBuffer b = p.getValue().getArray().toByteBuffer();
            crc.update(b);
        }
        return crc.getValue();
    }

    /**
     * Request k of a thread: greedy autoregressive, self-speculative, sampled with a fixed seed.
     */
    private static List<Long> request(Generator g, int thread, int k) {
        int n = g.getModel().numLayers();
        GenerationOptions base =
                GenerationOptions.builder()
                        .optMaxNewTokens(MAX_NEW)
                        .optEosTokenIds(List.of())
                        .build();
        GenerationOptions o =
                switch (k % 3) {
                    case 0 -> base;
                    case 1 ->
                            base.toBuilder()
                                    .optStrategy(
                                            org.layerskip.generate.DecodingStrategy
                                                    .SELF_SPECULATIVE)
                                    .optExitLayer(Math.max(1, n / 2))
                                    .optNumSpeculations(3)
                                    .build();
                    default ->
                            base.toBuilder()
                                    .optTemperature(0.8)
                                    .optTopK(40)
                                    .optSeed(1000 + thread)
                                    .build();
                };
        long[] prompt = Workload.PROMPTS[(thread + k) % Workload.PROMPTS.length];
        List<Long> out = new ArrayList<>();
        for (long id : g.generate(prompt, o, null).tokenIds()) {
            out.add(id);
        }
        return out;
    }

    @Test
    public void concurrentRequestsMatchSequentialRuns() throws Exception {
        long before = checksum();
        List<List<Long>> expected = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            for (int k = 0; k < PER_THREAD; k++) {
                expected.add(request(generator, t, k));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<List<Long>>>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Callable<List<List<Long>>> job =
                    () -> {
                        go.await();
                        List<List<Long>> mine = new ArrayList<>();
                        for (int k = 0; k < PER_THREAD; k++) {
                            mine.add(request(generator, thread, k));
                        }
                        return mine;
                    };
            futures.add(pool.submit(job));
        }
        go.countDown();
        for (int t = 0; t < THREADS; t++) {
            List<List<Long>> got = futures.get(t).get(10, TimeUnit.MINUTES);
            for (int k = 0; k < PER_THREAD; k++) {
                Assert.assertEquals(
                        got.get(k),
                        expected.get(t * PER_THREAD + k),
                        "thread " + t + " request " + k);
            }
        }
        pool.shutdown();
        Assert.assertEquals(checksum(), before, "parameters changed");
    }

    @Test
    public void workerThreadOutputsHaveNoGradient() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            pool.submit(
                            () -> {
                                for (Pair<String, Parameter> p : model.getParameters()) {
                                    Assert.assertFalse(
                                            p.getValue().requiresGradient(),
                                            p.getKey() + " requires grad");
                                    Assert.assertFalse(
                                            p.getValue().getArray().hasGradient(), p.getKey());
                                }
                                try (NDManager m = manager.newSubManager();
                                        DecoderState s = model.newState(m, 1, 8)) {
                                    ParameterStore ps = new ParameterStore(m, false);
                                    NDArray ids = m.create(new long[] {1, 5, 9}, new Shape(1, 3));
                                    var out = model.forward(ps, ids, s, model.numLayers(), false);
                                    Assert.assertFalse(out.logits().hasGradient());
                                    Assert.assertFalse(out.hidden().hasGradient());
                                    Assert.assertFalse(model.head(ps, out.hidden()).hasGradient());
                                }
                                return null;
                            })
                    .get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdown();
        }
    }
}
