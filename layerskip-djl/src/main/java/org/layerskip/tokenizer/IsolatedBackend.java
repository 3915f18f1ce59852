package org.layerskip.tokenizer;

/**
 * The native tokenizer in the shared child process ({@link WorkerClient}): a native panic, abort or
 * hang there is a {@link TokenizerException} here, and the next call runs in a fresh child.
 * Thread-safe; calls are serialised.
 */
final class IsolatedBackend implements TokenizerBackend {

    /** The definition, sent again whenever a new child is started. */
    final String json;

    /** The definition's handle in the child of {@link #generation}; guarded by the client. */
    long handle;

    /** Which child holds {@link #handle}, or -1 for none; guarded by the client. */
    long generation = -1;

    private final WorkerClient client;
    private boolean closed;

    private IsolatedBackend(String json, WorkerClient client) {
        this.json = json;
        this.client = client;
    }

    /**
     * Loads a definition into the child process (starting it if needed).
     *
     * @param json the text of tokenizer.json
     * @return the backend
     * @throws TokenizerException if the native library rejects it, or the child dies or cannot
     *     start
     */
    static IsolatedBackend load(String json) {
        WorkerClient client = WorkerClient.shared();
        IsolatedBackend b = new IsolatedBackend(json, client);
        client.acquire();
        try {
            client.load(b);
        } catch (RuntimeException e) {
            client.release();
            throw e;
        }
        return b;
    }

    @Override
    public long[] encode(String text) {
        checkOpen();
        return client.encode(this, text);
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        checkOpen();
        return client.decode(this, ids, skipSpecialTokens);
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the tokenizer is closed");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        client.free(this);
        client.release();
    }
}
