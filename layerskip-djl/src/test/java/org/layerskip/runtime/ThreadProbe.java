package org.layerskip.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Run in a child JVM by {@link ThreadDefaultsTest}: starts the engine the way an application does
 * (an {@code NDManager} first, no LayerSkip class touched before), runs a parallel product and
 * prints LibTorch's intra-op thread count. With {@code OMP_DISPLAY_ENV=VERBOSE}, OpenMP prints its
 * settings to stderr when LibTorch loads it.
 */
public final class ThreadProbe {

    private ThreadProbe() {}

    /**
     * Runs the probe.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(256, 256));
            x.matMul(x).sum().getFloat();
            System.out.println("intra-op threads " + JniUtils.getNumThreads());
        }
    }
}
