package org.layerskip.bench;

import org.testng.Assert;
import org.testng.annotations.Test;

/**
 * The kernel survey's program compiles in LibTorch and every kernel's product agrees with float32's
 * (its setup checks that and throws otherwise), on a small working set; timing is for the real run
 * (README).
 */
public class HalfPrecisionKernelBenchmarkTest {

    @Test
    public void everyKernelMatchesFloat32() throws Exception {
        Assert.assertEquals(HalfPrecisionKernelBenchmark.KERNELS.size(), 8);
        for (String kernel : HalfPrecisionKernelBenchmark.KERNELS) {
            HalfPrecisionKernelBenchmark b = bench(kernel, "96x1024");
            try {
                try {
                    b.setUp();
                } catch (UnsupportedOperationException e) {
                    // only oneDNN's 16-bit kernels may be missing (CPUs without AVX-512 F16/BF16)
                    Assert.assertTrue(kernel.endsWith("-onednn"), kernel + ": " + e.getMessage());
                    continue;
                }
                HalfPrecisionKernelBenchmark.Bytes bytes = new HalfPrecisionKernelBenchmark.Bytes();
                b.pass(bytes);
                b.pass(bytes);
                // 3 copies of 96 × 1024 reach the 512 KiB working set in 16 bits
                long perPass = 3L * 96 * 1024 * (kernel.equals("fp32") ? 4 : 2);
                Assert.assertEquals(b.bytesPerPass(), perPass, kernel);
                Assert.assertEquals(bytes.bytes, 2 * perPass, kernel);
            } finally {
                b.tearDown();
            }
        }
    }

    @Test
    public void anUnknownKernelIsRefused() {
        HalfPrecisionKernelBenchmark b = bench("int4", "96x1024");
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class, b::setUp);
        Assert.assertTrue(e.getMessage().contains("int4"), e.getMessage());
    }

    private static HalfPrecisionKernelBenchmark bench(String kernel, String shape) {
        HalfPrecisionKernelBenchmark b = new HalfPrecisionKernelBenchmark();
        b.kernel = kernel;
        b.threads = 1;
        b.shape = shape;
        b.workingSetHalfBytes = 512 * 1024;
        return b;
    }
}
