package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

import org.layerskip.nn.LlamaModel;
import org.layerskip.testing.Assertions;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Loading on several threads gives the same weights as one thread, and fails as cleanly. */
public class ParallelFillTest {

    private static LlamaModel load(Path dir, NDManager manager, String threads) throws IOException {
        String old = System.getProperty(ParallelFill.THREADS_PROPERTY);
        System.setProperty(ParallelFill.THREADS_PROPERTY, threads);
        try {
            return HfLlama.load(dir, manager, DataType.FLOAT32);
        } finally {
            if (old == null) {
                System.clearProperty(ParallelFill.THREADS_PROPERTY);
            } else {
                System.setProperty(ParallelFill.THREADS_PROPERTY, old);
            }
        }
    }

    @Test
    public void threeThreadsLoadTheSameWeightsAsOne() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (String name : Fixtures.NAMES) {
                LlamaModel one = load(Fixtures.dir(name), manager, "1");
                LlamaModel three = load(Fixtures.dir(name), manager, "3");
                List<HfWeightMap.Entry> a = HfWeightMap.entries(one);
                List<HfWeightMap.Entry> b = HfWeightMap.entries(three);
                Assert.assertEquals(a.size(), b.size());
                for (int i = 0; i < a.size(); i++) {
                    NDArray x = a.get(i).parameter().getArray();
                    NDArray y = b.get(i).parameter().getArray();
                    Assert.assertEquals(
                            y.toFloatArray(), x.toFloatArray(), name + " " + a.get(i).hfName());
                }
            }
        }
    }

    @Test
    public void invalidThreadCountIsRefused() {
        String old = System.getProperty(ParallelFill.THREADS_PROPERTY);
        try {
            for (String bad : new String[] {"0", "-2", "many"}) {
                System.setProperty(ParallelFill.THREADS_PROPERTY, bad);
                IllegalArgumentException e =
                        Assert.expectThrows(
                                IllegalArgumentException.class, ParallelFill::defaultThreads);
                Assertions.assertOneLineMessage(e, ParallelFill.THREADS_PROPERTY, "'" + bad + "'");
            }
        } finally {
            if (old == null) {
                System.clearProperty(ParallelFill.THREADS_PROPERTY);
            } else {
                System.setProperty(ParallelFill.THREADS_PROPERTY, old);
            }
        }
    }

    @Test
    public void aShardTruncatedMidLoadFailsOnEveryThreadCount() throws IOException {
        for (int threads : new int[] {1, 4}) {
            Path dir = Files.createTempDirectory("parallel-fill");
            try (NDManager manager = NDManager.newBaseManager()) {
                HfLlamaTest.copy(Fixtures.dir("tiny-bf16-sharded"), dir);
                LlamaModel model = LlamaModel.builder().setConfig(HfLlama.readConfig(dir)).build();
                model.setInitializer(Initializer.ZEROS, p -> true);
                model.initialize(manager, DataType.FLOAT16, new Shape(1, 1));
                try (Checkpoint ckpt = Checkpoint.open(dir)) {
                    Path shard = ckpt.files().get(1).path();
                    try (RandomAccessFile raf = new RandomAccessFile(shard.toFile(), "rw")) {
                        raf.setLength(raf.length() / 2);
                    }
                    CheckpointException e =
                            Assert.expectThrows(
                                    CheckpointException.class,
                                    () ->
                                            ParallelFill.fill(
                                                    ckpt,
                                                    HfWeightMap.entries(model),
                                                    manager,
                                                    threads));
                    Assertions.assertOneLineMessage(e, shard.toString(), "tensor '");
                }
            } finally {
                HfLlamaTest.delete(dir);
            }
        }
    }

    @Test
    public void dealsLargestFirstToTheLeastLoaded() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir("tiny-f32"), manager, DataType.FLOAT32);
            List<HfWeightMap.Entry> entries = HfWeightMap.entries(model);
            List<List<HfWeightMap.Entry>> parts = ParallelFill.deal(entries, 3);
            Assert.assertEquals(parts.size(), 3);
            long total = 0;
            long most = 0;
            int count = 0;
            for (List<HfWeightMap.Entry> part : parts) {
                long sum = 0;
                for (HfWeightMap.Entry e : part) {
                    sum += e.shape()[0] * (e.shape().length > 1 ? e.shape()[1] : 1);
                }
                total += sum;
                most = Math.max(most, sum);
                count += part.size();
            }
            Assert.assertEquals(count, entries.size(), "every entry dealt once");
            Assert.assertTrue(most <= total / 3 + 256 * 64, "balanced: " + most + " of " + total);
        }
    }
}
