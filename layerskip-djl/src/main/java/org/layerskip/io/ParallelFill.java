package org.layerskip.io;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fills a model's parameters from a checkpoint, on the calling thread or on several. Reading into
 * fresh memory is spent on page faults and copies in the kernel and on the BF16/F16 conversion in
 * Java, work that could use idle cores; the tensors are independent, so they are dealt out by size
 * (largest first, each to the least-loaded thread), and every thread has its own {@link
 * ArrayLoader}. After the first failure the other threads stop at their next tensor and that
 * failure is rethrown as it was.
 */
final class ParallelFill {

    /**
     * System property: threads used to load (default 1). On the project's 2-core shared VM two
     * threads were slower than one (fp32 Llama-3.2-1B shape, three interleaved pairs: 10.9-11.8 s
     * against 5.1-10.2 s), so more threads are opt-in for machines with idle cores.
     */
    static final String THREADS_PROPERTY = "layerskip.loadThreads";

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private ParallelFill() {}

    /**
     * Returns the thread count from {@value #THREADS_PROPERTY}, or 1.
     *
     * @return at least 1
     */
    static int defaultThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "-D" + THREADS_PROPERTY + " must be a positive integer, got '" + value + "'");
    }

    /**
     * Writes every entry's tensor into its parameter.
     *
     * @param checkpoint the open checkpoint
     * @param entries the tensors and where they go
     * @param manager the manager owning the parameters
     * @param threads how many threads to use (1: the calling thread only)
     * @throws IOException if a tensor cannot be read (the first failure)
     */
    static void fill(
            Checkpoint checkpoint, List<HfWeightMap.Entry> entries, NDManager manager, int threads)
            throws IOException {
        int n = Math.max(1, Math.min(threads, entries.size()));
        if (n == 1) {
            fillAll(checkpoint, entries, manager, new AtomicBoolean());
            return;
        }
        List<List<HfWeightMap.Entry>> parts = deal(entries, n);
        AtomicBoolean failed = new AtomicBoolean();
        int pool = POOL_IDS.incrementAndGet();
        AtomicInteger threadIds = new AtomicInteger();
        ExecutorService executor =
                Executors.newFixedThreadPool(
                        n,
                        r -> {
                            Thread t =
                                    new Thread(
                                            r,
                                            "layerskip-load-"
                                                    + pool
                                                    + "-"
                                                    + threadIds.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (List<HfWeightMap.Entry> part : parts) {
                futures.add(
                        executor.submit(
                                () -> {
                                    fillAll(checkpoint, part, manager, failed);
                                    return null;
                                }));
            }
            // every worker is waited for, even after a failure or an interrupt: the caller frees
            // the parameters when loading fails, and no worker may still be writing into them
            Throwable first = null;
            boolean interrupted = false;
            for (Future<Void> f : futures) {
                while (true) {
                    try {
                        f.get();
                        break;
                    } catch (ExecutionException e) {
                        if (first == null) {
                            first = e.getCause();
                        }
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                        failed.set(true);
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                if (first == null) {
                    first =
                            new InterruptedIOException(
                                    "interrupted while loading " + checkpoint.directory());
                }
            }
            if (first instanceof IOException io) {
                throw io;
            }
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error err) {
                throw err;
            }
            if (first != null) {
                throw new IOException(first);
            }
        } finally {
            executor.shutdown();
        }
    }

    private static void fillAll(
            Checkpoint checkpoint,
            List<HfWeightMap.Entry> entries,
            NDManager manager,
            AtomicBoolean failed)
            throws IOException {
        try (ArrayLoader loader = new ArrayLoader(manager)) {
            for (HfWeightMap.Entry e : entries) {
                if (failed.get()) {
                    return;
                }
                loader.fill(
                        checkpoint.file(e.hfName()),
                        e.hfName(),
                        e.parameter().getArray(),
                        e.rowStart());
            }
        } catch (IOException | RuntimeException | Error e) {
            failed.set(true);
            throw e;
        }
    }

    /**
     * Deals entries to n lists, largest first, each to the list with the fewest elements so far.
     */
    static List<List<HfWeightMap.Entry>> deal(List<HfWeightMap.Entry> entries, int n) {
        List<HfWeightMap.Entry> bySize = new ArrayList<>(entries);
        bySize.sort(Comparator.comparingLong(ParallelFill::elements).reversed());
        List<List<HfWeightMap.Entry>> parts = new ArrayList<>();
        long[] load = new long[n];
        for (int i = 0; i < n; i++) {
            parts.add(new ArrayList<>());
        }
        for (HfWeightMap.Entry e : bySize) {
            int least = 0;
            for (int i = 1; i < n; i++) {
                if (load[i] < load[least]) {
                    least = i;
                }
            }
            parts.get(least).add(e);
            load[least] += elements(e);
        }
        return parts;
    }

    private static long elements(HfWeightMap.Entry e) {
        long count = 1;
        for (long d : e.shape()) {
            count *= d;
        }
        return count;
    }
}
