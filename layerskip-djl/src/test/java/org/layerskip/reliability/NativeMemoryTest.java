package org.layerskip.reliability;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.Generator;
import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;
import org.testng.annotations.Test;

/**
 * No NDArray outlives a generation: the model's manager holds exactly the parameters before and
 * after every strategy (single and batched, greedy and sampled, also after rejected requests); and
 * a short soak keeps the process RSS flat after warm-up.
 */
public class NativeMemoryTest {

    private static int arrays(NDManager m) {
        return ((BaseNDManager) m).getManagedArrays().size();
    }

    @Test
    public void generationsLeaveNoArraysBehind() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            LlamaModel model = HfLlama.load(Fixtures.dir("tiny-f32"), manager, DataType.FLOAT32);
            Generator g = new Generator(model);
            Workload.run(g, 0, 4); // warm-up
            int before = arrays(manager);
            int n = 2 * Workload.options(6).size();
            for (int i = 0; i < n; i++) {
                Workload.run(g, i, 6);
                Assert.assertEquals(arrays(manager), before, "arrays leaked by request " + i);
            }
            // rejected requests leak nothing either
            for (long[] bad : new long[][] {{1, 9999}, {}}) {
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> g.generate(bad, Workload.options(4).get(0), null));
            }
            Assert.assertEquals(arrays(manager), before);
        }
    }

    @Test(groups = "slow")
    public void shortSoakKeepsRssFlat() throws Exception {
        // CI size: the machines are shared; -Dlayerskip.soak.generations=500 or more on demand
        Soak.Report r = Soak.run(Integer.getInteger("layerskip.soak.generations", 150), 50, 4);
        System.out.println("soak (CI): " + r);
        // generous: glibc arenas and JIT settle slowly; a per-request leak of even one 4 KiB KV
        // page would exceed it
        Assert.assertTrue(r.endRssKb() - r.warmRssKb() < 64 * 1024, "RSS grew after warm-up: " + r);
        Assert.assertEquals(r.leakedArrays(), 0, "arrays leaked: " + r);
    }
}
