package org.layerskip.generate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns a {@link ContinuousBatcher}'s decode loop: it steps the batcher while
 * sequences wait or run and sleeps otherwise. Submit through {@link #batcher()}; {@link
 * #shutdown(Duration)} stops accepting, lets running and waiting sequences finish within a grace
 * period, cancels the rest and frees the batcher.
 */
public final class BatchScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    private final ContinuousBatcher batcher;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long drainDeadline = Long.MAX_VALUE;

    /**
     * Starts the scheduler thread (a daemon named {@code layerskip-scheduler}).
     *
     * @param batcher the batcher it owns (closed by {@link #shutdown})
     */
    public BatchScheduler(ContinuousBatcher batcher) {
        if (batcher == null) {
            throw new IllegalArgumentException("batcher must not be null");
        }
        this.batcher = batcher;
        this.thread = new Thread(this::loop, "layerskip-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Returns the batcher (to submit sequences and read statistics).
     *
     * @return the batcher
     */
    public ContinuousBatcher batcher() {
        return batcher;
    }

    /**
     * Stops accepting requests, waits up to {@code grace} for the running and waiting ones to
     * finish, cancels whatever is left, and frees the batcher's state.
     *
     * @param grace how long in-flight requests may take
     * @return true if everything finished within the grace period
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        batcher.stopAccepting();
        drainDeadline = System.nanoTime() + grace.toNanos();
        boolean drained = true;
        long waitMs = Math.max(1, grace.toMillis());
        long until = System.currentTimeMillis() + waitMs;
        while (batcher.hasWork() && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
        if (batcher.hasWork()) {
            drained = false;
        }
        stop = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        return drained;
    }

    /** Shuts down at once: running requests are cancelled. */
    @Override
    public void close() {
        try {
            shutdown(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        try {
            while (!stop) {
                if (System.nanoTime() > drainDeadline) {
                    batcher.cancelAll();
                }
                if (!batcher.hasWork()) {
                    try {
                        batcher.awaitWork(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        if (stop) {
                            break;
                        }
                    }
                    continue;
                }
                try {
                    batcher.step();
                } catch (RuntimeException e) {
                    LOG.error("scheduler step failed", e);
                }
            }
            batcher.cancelAll();
        } finally {
            batcher.close();
        }
    }
}
