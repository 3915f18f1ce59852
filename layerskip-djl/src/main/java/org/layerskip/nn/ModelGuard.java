package org.layerskip.nn;

import ai.djl.ndarray.NDManager;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps a model's native memory alive while requests run on it. Every generation holds a {@link
 * Lease} for its whole duration; closing the model first marks it closing (running generations stop
 * at their next step with a clear {@link IllegalStateException}), then waits until every lease is
 * released, and only then frees the weights. Calls after close fail with the same clear exception —
 * never a native crash on freed tensors.
 *
 * <p>{@link #guard(NDManager)} puts the weights in a sub-manager that the owning manager closes
 * through the guard, so {@code ZooModel.close()} or the owner's {@code NDManager.close()} from
 * another thread waits for running generations.
 */
public final class ModelGuard {

    /** How long close waits for running generations to notice and return. */
    private static final long CLOSE_TIMEOUT_SECONDS = 60;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closing;
    private volatile boolean closed;

    ModelGuard() {}

    /** Holds a model open for one request; close it when the request ends. */
    public final class Lease implements AutoCloseable {

        private boolean released;

        private Lease() {}

        /**
         * Throws if the model started closing (call between decoding steps).
         *
         * @throws IllegalStateException when the model is being closed
         */
        public void check() {
            if (closing) {
                throw new IllegalStateException("the model was closed during generation");
            }
        }

        /** Releases the model. */
        @Override
        public void close() {
            if (!released) {
                released = true;
                lock.readLock().unlock();
            }
        }
    }

    /**
     * Enters a request.
     *
     * @return the lease
     * @throws IllegalStateException when the model is closed or closing
     */
    public Lease enter() {
        if (closing) {
            throw new IllegalStateException("the model is closed");
        }
        lock.readLock().lock();
        if (closing) {
            lock.readLock().unlock();
            throw new IllegalStateException("the model is closed");
        }
        return new Lease();
    }

    /**
     * Returns whether the model has been closed (or is closing).
     *
     * @return true once close started
     */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Closes: stops new requests, asks running ones to stop, waits for them, then runs {@code free}
     * once.
     *
     * @param free what frees the native memory
     */
    public void close(Runnable free) {
        closing = true;
        boolean locked = false;
        try {
            locked = lock.writeLock().tryLock(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!locked) {
            // A generation did not return in time (a native call that does not end?): freeing its
            // tensors now could crash the process, so leave them to the process's end.
            throw new IllegalStateException(
                    "closing the model timed out: a generation is still running; its memory is not freed");
        }
        try {
            if (!closed) {
                closed = true;
                free.run();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Makes a manager for a model's weights that {@code owner} closes through this guard.
     *
     * @param owner the manager the caller gave for the model
     * @return a sub-manager of {@code owner} for the weights
     */
    public NDManager guard(NDManager owner) {
        NDManager weights = owner.newSubManager();
        owner.detachInternal(
                weights.getName()); // a fresh sub-manager is keyed by its uid, its name
        String uid = "layerskip-guard-" + weights.getName();
        owner.attachInternal(uid, (AutoCloseable) () -> close(weights::close));
        return weights;
    }
}
