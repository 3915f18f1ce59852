package org.layerskip.spark;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models loaded in this JVM, one per {@link ModelKey}: loaded lazily by the first task that
 * needs one (concurrent first tasks wait for that single load), shared by every later task, and
 * closed when the JVM exits. On a Spark executor this is "one model per executor JVM"; in {@code
 * local[N]} mode the driver is the executor.
 *
 * <p>A failed load is not remembered: the next task tries again (Spark's task retry, or a later job
 * after the folder has been fixed).
 */
public final class ExecutorModels {

    private static final ConcurrentHashMap<ModelKey, SharedModel> MODELS =
            new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<ModelKey, AtomicInteger> LOADS =
            new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(ExecutorModels::closeAll, "layerskip-close-models"));
    }

    private ExecutorModels() {}

    /**
     * Returns the keys of the models loaded in this JVM.
     *
     * @return a snapshot of the keys
     */
    public static Set<ModelKey> loaded() {
        return Set.copyOf(MODELS.keySet());
    }

    /**
     * Loads a key's model in this JVM now, unless it is loaded already (e.g. before an in-process
     * job, to report a missing model before any output is written).
     *
     * @param key the model and dtype
     * @throws ModelUnavailableException if it cannot be found or loaded here
     */
    public static void preload(ModelKey key) {
        acquire(key);
    }

    /**
     * Returns this JVM's model for a key, loading it on first use.
     *
     * @param key the model and dtype
     * @return the shared model (never close it: the JVM exit does)
     * @throws ModelUnavailableException if it cannot be found or loaded here
     */
    static SharedModel acquire(ModelKey key) {
        return MODELS.computeIfAbsent(
                key,
                k -> {
                    LOADS.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
                    return SharedModel.load(k);
                });
    }

    /**
     * Returns how many times a key's model was loaded in this JVM (1 once it is loaded, since loads
     * are never repeated while it stays loaded).
     *
     * @param key the model and dtype
     * @return the number of loads (successful or not)
     */
    static int loads(ModelKey key) {
        AtomicInteger n = LOADS.get(key);
        return n == null ? 0 : n.get();
    }

    /** Closes every loaded model (at JVM exit). */
    static void closeAll() {
        for (ModelKey k : Set.copyOf(MODELS.keySet())) {
            SharedModel m = MODELS.remove(k);
            if (m != null) {
                m.close();
            }
        }
    }
}
