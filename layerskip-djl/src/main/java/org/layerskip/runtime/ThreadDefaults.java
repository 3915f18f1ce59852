package org.layerskip.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Safe thread settings for LibTorch, chosen by the library itself so that an application, a
 * notebook kernel or a test runner gets them without the launcher's environment (before this, only
 * {@code scripts/layerskip} set them, and a notebook under a real Java kernel ran past a 580 s
 * limit on a busy machine that it finished in 85 s with them):
 *
 * <ul>
 *   <li>{@code OMP_WAIT_POLICY=PASSIVE} unless the environment sets {@code OMP_WAIT_POLICY}:
 *       LibTorch's OpenMP threads then sleep when they wait instead of spinning, which on a machine
 *       whose other cores are busy collapses throughput (measured: m15 decode 4 tokens/s with
 *       {@code ACTIVE} against 69 with {@code PASSIVE}). OpenMP reads its environment once, when
 *       LibTorch's {@code libgomp} is loaded, so this is a native {@code setenv} (through JNA) that
 *       must run before DJL loads the PyTorch engine; {@link EngineStartHook} runs it then.
 *   <li>{@value #NUM_THREADS_PROPERTY} (LibTorch's intra-op threads, which DJL reads when the
 *       engine starts) set to {@link #intraOpThreads(int)} of the processors, unless that property
 *       or {@code OMP_NUM_THREADS} is set: half the processors, at least 1 and at most 8, instead
 *       of PyTorch's default of every physical core. On this project's 2-core VM one thread decoded
 *       faster than two (m15 99 vs 65 tokens/s on a near-idle machine): small-batch decoding is
 *       bound by per-operation overhead and memory bandwidth, and LibTorch ran the one-row products
 *       single-threaded; the other half is left to the JVM (GC, tokenizer) and to other processes.
 *       More cores than 2 were not measured here; set the property (or {@code --threads} in the
 *       CLI) to the number you want.
 * </ul>
 *
 * <p>{@value #DISABLE_PROPERTY}{@code =false} leaves both to DJL and PyTorch. Calls after the
 * engine has started change nothing (OpenMP and DJL have already read their settings).
 */
public final class ThreadDefaults {

    /** System property that, set to {@code false}, turns these defaults off. */
    public static final String DISABLE_PROPERTY = "layerskip.threadDefaults";

    /** DJL's system property for LibTorch's intra-op thread count. */
    public static final String NUM_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    /** The OpenMP environment variable for the wait policy. */
    public static final String WAIT_POLICY_ENV = "OMP_WAIT_POLICY";

    /** The OpenMP environment variable for the thread count (PyTorch's default follows it). */
    public static final String NUM_THREADS_ENV = "OMP_NUM_THREADS";

    /** The most intra-op threads chosen by default. */
    public static final int MAX_DEFAULT_THREADS = 8;

    private static final Logger logger = LoggerFactory.getLogger(ThreadDefaults.class);

    private static boolean applied;

    /** The C library's {@code setenv}; Java cannot change its own process environment. */
    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private ThreadDefaults() {}

    /**
     * Applies the defaults once per JVM (later calls do nothing): see the class comment.
     *
     * @return what was set, e.g. {@code "OMP_WAIT_POLICY=PASSIVE, ai.djl.pytorch.num_threads=1"},
     *     or an empty string when the user's settings were kept or the defaults are disabled
     */
    public static synchronized String apply() {
        if (applied) {
            return "";
        }
        applied = true;
        if ("false".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY, "true").trim())) {
            return "";
        }
        StringBuilder done = new StringBuilder();
        if (System.getenv(WAIT_POLICY_ENV) == null) {
            try {
                LibC libc = Native.load("c", LibC.class);
                if (libc.setenv(WAIT_POLICY_ENV, "PASSIVE", 0) == 0) {
                    done.append(WAIT_POLICY_ENV).append("=PASSIVE");
                }
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                // no C library through JNA (an unusual platform): keep OpenMP's own default
                logger.debug("cannot set {}: {}", WAIT_POLICY_ENV, e.toString());
            }
        }
        if (System.getProperty(NUM_THREADS_PROPERTY) == null
                && System.getenv(NUM_THREADS_ENV) == null) {
            int n = intraOpThreads(Runtime.getRuntime().availableProcessors());
            System.setProperty(NUM_THREADS_PROPERTY, Integer.toString(n));
            done.append(done.length() > 0 ? ", " : "")
                    .append(NUM_THREADS_PROPERTY)
                    .append('=')
                    .append(n);
        }
        if (done.length() > 0) {
            logger.debug(
                    "LayerSkip thread defaults: {} (-D{}=false to keep PyTorch's)",
                    done,
                    DISABLE_PROPERTY);
        }
        return done.toString();
    }

    /**
     * The default intra-op thread count for a machine.
     *
     * @param processors the processors available to the JVM
     * @return half of them, at least 1 and at most {@value #MAX_DEFAULT_THREADS}
     */
    public static int intraOpThreads(int processors) {
        return Math.max(1, Math.min(MAX_DEFAULT_THREADS, processors / 2));
    }
}
