package org.layerskip.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.io.Fixtures;
import org.layerskip.io.HfLlama;
import org.layerskip.nn.LlamaModel;
import org.testng.Assert;

import java.io.IOException;

/**
 * A fixture loaded three times for the half-precision tests: as F16 for the fused engine under test
 * (whose packing frees its matrices), as F16 for the per-op path, and as float32 for the reference;
 * and the accuracy bound they share.
 */
final class HalfPrecisionReference {

    /**
     * Against the model in float32 (per-op), the fused engine's error must stay within twice the
     * per-op F16 path's own error (fp16 rounding accumulates over the layers; FBGEMM rounds each
     * matrix's output once, from float32), plus 0.02 for logits that F16 happens to round exactly.
     */
    static final double FACTOR = 2.0;

    static final double SLACK = 0.02;

    /** The copy for the fused engine. */
    final LlamaModel model;

    private final LlamaModel half;
    private final LlamaModel exact;
    private final OpsEngine ops;
    private final OpsEngine reference;

    HalfPrecisionReference(String name, NDManager manager) throws IOException {
        model = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT16);
        half = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT16);
        exact = HfLlama.load(Fixtures.dir(name), manager, DataType.FLOAT32);
        ops = new OpsEngine(half);
        reference = new OpsEngine(exact);
    }

    /** The fused engine's largest logit error from float32 at an exit. */
    double fusedError(FusedEngine fused, int exit) {
        return FusedEngineParityTest.comparePasses(model, fused, exact, reference, exit);
    }

    /** The per-op F16 path's largest logit error from float32 at an exit. */
    double halfError(int exit) {
        return FusedEngineParityTest.comparePasses(half, ops, exact, reference, exit);
    }

    /** Asserts the bound at every exit, printing each pair of errors. */
    void assertAsAccurateAsHalf(FusedEngine fused, String when) {
        for (int e = 1; e <= model.numLayers(); e++) {
            double f = fusedError(fused, e);
            double o = halfError(e);
            String what =
                    String.format(
                            "%s, exit %d: fused %.4f, per-op F16 %.4f from float32", when, e, f, o);
            System.out.println("HalfPrecisionReference " + what);
            Assert.assertTrue(f <= FACTOR * o + SLACK, what);
        }
    }
}
