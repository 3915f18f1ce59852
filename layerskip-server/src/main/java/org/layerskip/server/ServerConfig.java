package org.layerskip.server;

import org.layerskip.engine.EngineKind;

import java.time.Duration;

/**
 * How a {@link LayerSkipServer} listens and what it accepts. Immutable; build with {@link
 * #builder()}.
 */
public final class ServerConfig {

    private final String host;
    private final int port;
    private final int maxBatch;
    private final int maxQueue;
    private final int maxTokensLimit;
    private final int maxDraft;
    private final long maxBodyBytes;
    private final EngineKind engine;
    private final Duration shutdownGrace;
    private final Duration requestTimeout;

    private ServerConfig(Builder b) {
        host = b.host;
        port = b.port;
        maxBatch = b.maxBatch;
        maxQueue = b.maxQueue;
        maxTokensLimit = b.maxTokensLimit;
        maxDraft = b.maxDraft;
        maxBodyBytes = b.maxBodyBytes;
        engine = b.engine;
        shutdownGrace = b.shutdownGrace;
        requestTimeout = b.requestTimeout;
    }

    /**
     * Creates a builder with the defaults: 127.0.0.1, any free port, batch 8, queue 64, at most 512
     * new tokens per request, drafts up to 8, bodies up to 1 MiB, 30 s shutdown grace, 10 min per
     * request.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the address to bind.
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * Returns the port (0 = any free port).
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the rows of the continuous batch.
     *
     * @return the most requests decoded at once
     */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Returns how many requests may wait for a row; more get 429.
     *
     * @return the queue limit
     */
    public int maxQueue() {
        return maxQueue;
    }

    /**
     * Returns the largest {@code max_tokens} accepted (and the default when a request gives none).
     *
     * @return tokens
     */
    public int maxTokensLimit() {
        return maxTokensLimit;
    }

    /**
     * Returns the largest {@code num_speculations} accepted.
     *
     * @return d
     */
    public int maxDraft() {
        return maxDraft;
    }

    /**
     * Returns the largest request body accepted; larger ones get 413.
     *
     * @return bytes
     */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * Returns the decode engine, or null for the default.
     *
     * @return the engine kind
     */
    public EngineKind engine() {
        return engine;
    }

    /**
     * Returns how long running requests may take to finish when the server stops.
     *
     * @return the grace period
     */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /**
     * Returns how long one request may take before it is cancelled.
     *
     * @return the timeout
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port;
        private int maxBatch = 8;
        private int maxQueue = 64;
        private int maxTokensLimit = 512;
        private int maxDraft = 8;
        private long maxBodyBytes = 1 << 20;
        private EngineKind engine;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofMinutes(10);

        private Builder() {}

        /**
         * Sets the address to bind.
         *
         * @param h host name or IP
         * @return this
         */
        public Builder optHost(String h) {
            this.host = h;
            return this;
        }

        /**
         * Sets the port.
         *
         * @param p 0..65535 (0 = any free port)
         * @return this
         */
        public Builder optPort(int p) {
            this.port = p;
            return this;
        }

        /**
         * Sets the batch rows.
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxBatch(int n) {
            this.maxBatch = n;
            return this;
        }

        /**
         * Sets the queue limit.
         *
         * @param n &gt;= 0
         * @return this
         */
        public Builder optMaxQueue(int n) {
            this.maxQueue = n;
            return this;
        }

        /**
         * Sets the largest {@code max_tokens}.
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxTokensLimit(int n) {
            this.maxTokensLimit = n;
            return this;
        }

        /**
         * Sets the largest draft length.
         *
         * @param d &gt;= 1
         * @return this
         */
        public Builder optMaxDraft(int d) {
            this.maxDraft = d;
            return this;
        }

        /**
         * Sets the body size limit.
         *
         * @param bytes &gt;= 1
         * @return this
         */
        public Builder optMaxBodyBytes(long bytes) {
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * Sets the engine.
         *
         * @param e the engine, or null for the default
         * @return this
         */
        public Builder optEngine(EngineKind e) {
            this.engine = e;
            return this;
        }

        /**
         * Sets the shutdown grace period.
         *
         * @param d &gt;= 0
         * @return this
         */
        public Builder optShutdownGrace(Duration d) {
            this.shutdownGrace = d;
            return this;
        }

        /**
         * Sets the per-request timeout.
         *
         * @param d &gt; 0
         * @return this
         */
        public Builder optRequestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public ServerConfig build() {
            check(host != null && !host.isBlank(), "--host must not be empty");
            check(port >= 0 && port <= 65535, "--port must be in [0, 65535], got " + port);
            check(maxBatch >= 1, "--max-batch must be >= 1, got " + maxBatch);
            check(maxQueue >= 0, "--max-queue must be >= 0, got " + maxQueue);
            check(maxTokensLimit >= 1, "--max-tokens-limit must be >= 1, got " + maxTokensLimit);
            check(maxDraft >= 1, "--max-draft must be >= 1, got " + maxDraft);
            check(maxBodyBytes >= 1, "the body limit must be >= 1 byte");
            check(
                    shutdownGrace != null && !shutdownGrace.isNegative(),
                    "the shutdown grace must be >= 0");
            check(
                    requestTimeout != null
                            && !requestTimeout.isNegative()
                            && !requestTimeout.isZero(),
                    "the request timeout must be > 0");
            return new ServerConfig(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
