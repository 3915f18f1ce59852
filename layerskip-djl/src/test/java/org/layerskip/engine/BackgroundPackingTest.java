package org.layerskip.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The fused engine packs FBGEMM matrices in the background and swaps each one in between passes:
 * passes run correctly before, during and after packing; closing the model mid-packing stops it
 * cleanly; and token lookups through the checkpoint's memory-mapped embedding give exactly the
 * logits of the loaded table, unless the file changed since loading (then it is not mapped).
 */
public class BackgroundPackingTest {

    @BeforeMethod
    public void packNarrowMatrices() {
        FusedEngine.packMaxPadding = 1000; // these fixtures are 64-128 wide, FBGEMM pads to 512
    }

    @AfterMethod(alwaysRun = true)
    public void restore() {
        FusedEngine.packMaxPadding = 0.05;
        FusedEngine.beforeAdopt = null;
        System.clearProperty(FusedEngine.MAP_EMBEDDING_PROPERTY);
    }

    @Test
    public void passesAreRightBeforeDuringAndAfterPacking() throws Exception {
        Pause pause = new Pause(3); // three matrices packed, the rest on the model's copies
        try (NDManager manager = NDManager.newBaseManager()) {
            HalfPrecisionReference ref = new HalfPrecisionReference("tiny-bf16-sharded", manager);
            FusedEngine fused = FusedEngine.create(ref.model);
            pause.awaitPaused();
            Assert.assertEquals(fused.matricesPacked(), 3);
            ref.assertAsAccurateAsHalf(fused, "3 packed");
            pause.resume();
            fused.awaitReady();
            Assert.assertEquals(fused.matricesPacked(), fused.kinds().length);
            ref.assertAsAccurateAsHalf(fused, "all packed");
        } finally {
            pause.resume();
        }
    }

    @Test
    public void closingTheModelWhilePackingStopsPackingCleanly() throws Exception {
        Pause pause = new Pause(2);
        FusedEngine fused;
        NDManager manager = NDManager.newBaseManager();
        try {
            LlamaModel model =
                    HfLlama.load(Fixtures.dir("tiny-bf16-sharded"), manager, DataType.FLOAT16);
            fused = FusedEngine.create(model);
            pause.awaitPaused();
        } finally {
            Thread closer = new Thread(manager::close);
            closer.start();
            Thread.sleep(100); // the close waits for packing to let go
            Assert.assertTrue(closer.isAlive(), "close waits for the packing in flight");
            pause.resume();
            closer.join(60_000);
            Assert.assertFalse(closer.isAlive(), "close returned");
        }
        fused.awaitReady();
        Assert.assertEquals(fused.matricesPacked(), 2, "no matrix adopted after the close");
    }

    @Test
    public void passesWaitForATiedHeadPackedFromTheMappedTable() throws Exception {
        Pause pause = new Pause(0); // the head comes first: its copy is already freed
        try (NDManager manager = NDManager.newBaseManager()) {
            HalfPrecisionReference ref =
                    new HalfPrecisionReference("tiny-f16-tied-llama3", manager);
            int last = ref.model.numLayers();
            FusedEngine fused = FusedEngine.create(ref.model);
            pause.awaitPaused();
            double[] during = {Double.NaN};
            Thread pass = new Thread(() -> during[0] = ref.fusedError(fused, last));
            pass.start();
            Thread.sleep(200);
            Assert.assertTrue(pass.isAlive(), "a pass waits for the head");
            pause.resume();
            pass.join(60_000);
            Assert.assertFalse(pass.isAlive());
            double o = ref.halfError(last);
            Assert.assertTrue(
                    during[0] <= HalfPrecisionReference.FACTOR * o + HalfPrecisionReference.SLACK,
                    during[0] + " vs " + o);
            fused.awaitReady();
        } finally {
            pause.resume();
        }
    }

    @Test
    public void aTiedHeadThatFailsToPackRunsOnACopy() throws Exception {
        FusedEngine.beforeAdopt =
                j -> {
                    throw new IllegalStateException("test: packing fails");
                };
        try (NDManager manager = NDManager.newBaseManager()) {
            HalfPrecisionReference ref =
                    new HalfPrecisionReference("tiny-f16-tied-llama3", manager);
            FusedEngine fused = FusedEngine.create(ref.model);
            fused.awaitReady();
            Assert.assertEquals(fused.matricesPacked(), 0);
            ref.assertAsAccurateAsHalf(fused, "none packed");
        }
    }

    @Test
    public void aTiedHeadThatIsNotPackedKeepsTheEmbedding() throws Exception {
        // widths 96 (D), 128 (attention output) and 256 (F): with at most 200% padding only the
        // down projections are packed, so the tied head stays on linear and needs the embedding
        FusedEngine.packMaxPadding = 2.0;
        try (NDManager manager = NDManager.newBaseManager()) {
            HalfPrecisionReference ref =
                    new HalfPrecisionReference("tiny-f16-tied-llama3", manager);
            FusedEngine fused = FusedEngine.create(ref.model);
            long[] kinds = fused.kinds();
            Assert.assertEquals(kinds[3], 3, "down projection packed");
            Assert.assertEquals(kinds[0], 0, "qkv not packed");
            Assert.assertEquals(kinds[kinds.length - 1], 0, "tied head not packed");
            Assert.assertFalse(fused.embeddingMapped(), "so the embedding stays");
            fused.awaitReady();
            ref.assertAsAccurateAsHalf(fused, "down only");
        }
    }

    @Test
    public void mappedLookupsGiveTheLoadedTablesLogits() throws Exception {
        // untied, BF16 on disk: lookups convert in LibTorch, the loader in Java; both round to
        // nearest even, so the logits must be identical
        String name = "tiny-bf16-sharded";
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel mapped = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT16);
            FusedEngine a = FusedEngine.create(mapped);
            Assert.assertTrue(a.embeddingMapped());
            System.setProperty(FusedEngine.MAP_EMBEDDING_PROPERTY, "false");
            LlamaModel loaded = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT16);
            FusedEngine b = FusedEngine.create(loaded);
            a.awaitReady();
            b.awaitReady();
            Assert.assertFalse(mapped.getConfig().tieWordEmbeddings(), name + " is untied");
            for (int e = 1; e <= mapped.numLayers(); e++) {
                Assert.assertEquals(
                        FusedEngineParityTest.comparePasses(mapped, a, loaded, b, e),
                        0.0,
                        "exit " + e);
            }
        }
    }

    @Test
    public void aCheckpointChangedSinceLoadingIsNotMapped() throws Exception {
        Path dir = Files.createTempDirectory("layerskip-changed");
        try {
            try (Stream<Path> files = Files.list(Fixtures.dir("tiny-f16-tied-llama3"))) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            try (NDManager manager = NDManager.newBaseManager()) {
                LlamaModel model = HfLlama.load(dir, manager, DataType.FLOAT16);
                Path file = model.embeddingFile().orElseThrow().file();
                Files.setLastModifiedTime(file, FileTime.fromMillis(0));
                FusedEngine fused = FusedEngine.create(model);
                long[] kinds = fused.kinds();
                Assert.assertEquals(kinds[kinds.length - 1], 0, "tied head kept for lookups");
                Assert.assertEquals(kinds[0], 3, "the other matrices are still packed");
                fused.awaitReady();
            }
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** Holds background packing before the adoption of part {@code at} until resumed. */
    private static final class Pause {
        private final CountDownLatch paused = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);

        Pause(int at) {
            FusedEngine.beforeAdopt =
                    j -> {
                        if (j == at) {
                            paused.countDown();
                            try {
                                if (!resume.await(60, TimeUnit.SECONDS)) {
                                    throw new IllegalStateException(
                                            "the test never resumed packing");
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    };
        }

        void awaitPaused() throws InterruptedException {
            Assert.assertTrue(paused.await(60, TimeUnit.SECONDS), "packing reached the pause");
        }

        void resume() {
            resume.countDown();
        }
    }
}
