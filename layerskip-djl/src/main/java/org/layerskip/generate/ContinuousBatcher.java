package org.layerskip.generate;

import ai.djl.ndarray.NDManager;

import org.layerskip.cache.DecoderState;
import org.layerskip.config.LlamaConfig;
import org.layerskip.engine.DecodeEngine;
import org.layerskip.engine.EngineKind;
import org.layerskip.engine.EngineSession;
import org.layerskip.engine.Engines;
import org.layerskip.engine.TokenSampler;
import org.layerskip.generate.BatchedSequence.SamplerKey;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.ModelGuard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching of generation requests over one shared {@link DecoderState}: requests join
 * the running batch between steps (their prompts prefilled in chunks) and leave it when they
 * finish, freeing their row for the next request. Autoregressive, early-exit and self-speculative
 * requests run side by side.
 *
 * <p>One {@link #step()} is one scheduling iteration: drop cancelled sequences, admit waiting ones
 * into free rows (FIFO), run one prefill chunk for every sequence still reading its prompt, then
 * one decode step for every other running sequence, and free the rows of those that finished.
 * Running sequences are grouped by what one engine call can share: the sampling configuration (an
 * engine session's token sampler is fixed), the strategy and exit layer, and for self-speculative
 * rounds also the EOS ids, confidence threshold and exit-state reuse; draft lengths may differ
 * inside a group (each row has its own budget). Each group is one pass over just its rows; rows
 * outside a pass are untouched.
 *
 * <p>Every row computes what the same request computes alone with {@link Generator#generate}: the
 * same passes per row, and sampling uniforms from the request's own seeded stream, drawn in the
 * same order ({@link BatchPasses}). Greedy outputs are therefore token-for-token the standalone
 * ones whatever else is in the batch, and sampled outputs draw the same tokens up to floating-point
 * differences between batch shapes.
 *
 * <p>Threads: {@link #submit} and {@link BatchedSequence#cancel()} are safe from any thread; {@link
 * #step()} must always be called by the same thread (a {@link BatchScheduler} does). While rows are
 * running, that thread holds a {@link ModelGuard.Lease} on the model, so closing the model waits
 * for the running step and then fails the sequences with a clear message.
 */
public final class ContinuousBatcher implements AutoCloseable {

    private final LlamaModel model;
    private final LlamaConfig config;
    private final Generator generator;
    private final DecodeEngine engine;
    private final int maxBatch;
    private final int maxQueue;
    private final int maxContext;
    private final int maxDraft;
    private final int prefillChunk;
    private final int maxSamplers;
    private final NDManager manager;

    private final ConcurrentLinkedQueue<BatchedSequence> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final Object signal = new Object();
    private final BatchedSequence[] rows;
    private final Map<SamplerKey, EngineSession> sessions = new HashMap<>();
    private DecoderState state;
    private ModelGuard.Lease lease;
    private Thread owner;
    private volatile int running;
    private volatile boolean accepting = true;
    private volatile boolean closed;

    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completionTokens = new AtomicLong();
    private final AtomicLong drafted = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong verifications = new AtomicLong();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong rowRounds = new AtomicLong();

    private ContinuousBatcher(Builder b) {
        this.generator = b.generator;
        this.model = b.generator.getModel();
        this.config = model.getConfig();
        this.engine = Engines.of(model, b.engine);
        this.maxBatch = b.maxBatch;
        this.maxQueue = b.maxQueue;
        this.maxContext = b.maxContext > 0 ? b.maxContext : config.maxPositionEmbeddings();
        this.maxDraft = b.maxDraft;
        this.prefillChunk = BatchPrefill.chunk(model, b.prefillChunk);
        this.maxSamplers = b.maxSamplers;
        this.rows = new BatchedSequence[maxBatch];
        // Its own manager, not one under the weights: the state outlives a model close (running
        // sequences fail first) and is freed by close(), whatever order the two happen in.
        NDManager weights = model.getEmbedding().getArray().getManager();
        this.manager =
                NDManager.newBaseManager(weights.getDevice(), weights.getEngine().getEngineName());
    }

    /**
     * Creates a builder.
     *
     * @param generator gives the model and the default E and d of requests that leave them unset
     * @return a builder
     */
    public static Builder builder(Generator generator) {
        return new Builder(generator);
    }

    /**
     * Validates a request and queues it. The options' engine is ignored (the batcher runs all rows
     * on its own engine).
     *
     * @param prompt prompt ids (used as given)
     * @param options what to generate
     * @param listener receives the tokens (row 0) on the stepping thread, or null; its {@link
     *     TokenListener#stopRequested} ends the sequence
     * @return the queued sequence
     * @throws IllegalArgumentException for invalid ids, lengths, exit layers or draft lengths
     * @throws RejectedExecutionException when the queue is full
     * @throws IllegalStateException after {@link #stopAccepting()} or {@link #close()}
     */
    public BatchedSequence submit(
            long[] prompt, GenerationOptions options, TokenListener listener) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        generator.validatePrompt(prompt, options.maxNewTokens());
        long total = (long) prompt.length + options.maxNewTokens();
        if (total > maxContext) {
            throw new IllegalArgumentException(
                    "prompt ("
                            + prompt.length
                            + " tokens) + max-new-tokens ("
                            + options.maxNewTokens()
                            + ") exceeds this batcher's context of "
                            + maxContext
                            + " tokens");
        }
        int exit = generator.resolveExit(options);
        List<Long> eos =
                options.eosTokenIds() != null ? options.eosTokenIds() : generator.modelEos();
        for (long id : eos) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException(
                        "EOS token id "
                                + id
                                + " is outside the vocabulary [0, "
                                + config.vocabSize()
                                + ")");
            }
        }
        int d = 0;
        if (options.strategy() == DecodingStrategy.SELF_SPECULATIVE) {
            d = generator.resolveNumSpeculations(options);
            if (d > maxDraft) {
                throw new IllegalArgumentException(
                        "num-speculations must be <= " + maxDraft + " here, got " + d);
            }
        }
        BatchedSequence s =
                new BatchedSequence(
                        prompt,
                        options,
                        options.strategy(),
                        exit,
                        d,
                        eos,
                        listener == null ? TokenListener.NONE : listener);
        if (!accepting || closed) {
            throw new IllegalStateException("the batcher is shutting down");
        }
        if (waitingCount.incrementAndGet() > maxQueue) {
            waitingCount.decrementAndGet();
            throw new RejectedExecutionException(
                    "the queue is full (" + maxQueue + " requests waiting); retry later");
        }
        waiting.add(s);
        submitted.incrementAndGet();
        synchronized (signal) {
            signal.notifyAll();
        }
        return s;
    }

    /**
     * Returns whether a step has anything to do.
     *
     * @return true while sequences wait or run
     */
    public boolean hasWork() {
        return running > 0 || waitingCount.get() > 0;
    }

    /**
     * Waits until a sequence is submitted (or the timeout passes).
     *
     * @param timeout the most time to wait
     * @param unit its unit
     * @throws InterruptedException if interrupted
     */
    public void awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (signal) {
            if (!hasWork() && !closed) {
                unit.timedWait(signal, timeout);
            }
        }
    }

    /** Refuses new submissions; running and waiting sequences continue. */
    public void stopAccepting() {
        accepting = false;
    }

    /**
     * Runs one scheduling iteration (see the class comment). Call from one thread only.
     *
     * @throws IllegalStateException if called from a second thread or after close
     */
    public void step() {
        checkOwner();
        dropCancelled();
        try {
            admit();
            if (running == 0) {
                releaseLease();
                return;
            }
            if (lease == null) {
                lease = model.guard().enter();
            }
            lease.check();
            runPrefills();
            runDecodes();
        } catch (RuntimeException | Error e) {
            failRunning(e);
            if (model.guard().isClosed()) {
                failWaiting(e);
            }
        }
        finishDone();
        if (running == 0) {
            releaseLease();
        }
    }

    /**
     * Cancels every waiting and running sequence (their futures complete with {@link
     * CancellationException}) and frees their rows. Call from the stepping thread.
     */
    public void cancelAll() {
        checkOwner();
        for (BatchedSequence s : waiting) {
            s.cancel();
        }
        for (BatchedSequence s : rows) {
            if (s != null) {
                s.cancel();
            }
        }
        dropCancelled();
        releaseLease();
    }

    /**
     * Returns the counters and the current load.
     *
     * @return a snapshot
     */
    public BatcherStats stats() {
        return new BatcherStats(
                waitingCount.get(),
                running,
                maxBatch,
                submitted.get(),
                completed.get(),
                cancelled.get(),
                failed.get(),
                promptTokens.get(),
                completionTokens.get(),
                drafted.get(),
                accepted.get(),
                verifications.get(),
                rounds.get(),
                rowRounds.get());
    }

    /**
     * Returns the rows of the batch.
     *
     * @return the most sequences that run at once
     */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Returns the context limit: prompt plus new tokens of one request.
     *
     * @return tokens
     */
    public int maxContext() {
        return maxContext;
    }

    /**
     * Returns the engine kind that runs the batch (after any fallback).
     *
     * @return the kind
     */
    public EngineKind engineKind() {
        return engine.kind();
    }

    /**
     * Returns the generator whose model and defaults the batcher uses.
     *
     * @return the generator
     */
    public Generator generator() {
        return generator;
    }

    /**
     * Fails whatever still waits or runs and frees the shared state. Call from the stepping thread
     * once it stopped stepping (or from any thread if it never stepped).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        accepting = false;
        IllegalStateException e = new IllegalStateException("the batcher was closed");
        failRunning(e);
        failWaiting(e);
        releaseLease();
        closeState();
        manager.close();
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void checkOwner() {
        if (closed) {
            throw new IllegalStateException("the batcher is closed");
        }
        Thread t = Thread.currentThread();
        if (owner == null) {
            owner = t;
        } else if (owner != t) {
            throw new IllegalStateException(
                    "ContinuousBatcher.step must always run on thread " + owner.getName());
        }
    }

    private void dropCancelled() {
        waiting.removeIf(
                s -> {
                    if (!s.isCancelled()) {
                        return false;
                    }
                    waitingCount.decrementAndGet();
                    cancelled.incrementAndGet();
                    s.fail(new CancellationException("cancelled before it started"));
                    return true;
                });
        for (BatchedSequence s : rows) {
            if (s != null && s.isCancelled()) {
                free(s);
                cancelled.incrementAndGet();
                s.fail(new CancellationException("cancelled"));
            }
        }
    }

    /** Moves waiting sequences into free rows, oldest first. */
    private void admit() {
        BatchedSequence s;
        while ((s = waiting.peek()) != null) {
            int row = freeRow();
            if (row < 0) {
                return;
            }
            if (state == null) {
                openState();
            }
            EngineSession session = session(s.sampler);
            if (session == null) {
                if (running > 0) {
                    return; // new sampling configurations wait until the batch drains
                }
                closeState(); // drops every session; the next iteration opens a fresh state
                openState();
                session = session(s.sampler);
            }
            waiting.poll();
            waitingCount.decrementAndGet();
            s.row = row;
            s.admittedNanos = System.nanoTime();
            rows[row] = s;
            running++;
        }
    }

    private void runPrefills() {
        Map<List<Object>, List<BatchedSequence>> groups = new LinkedHashMap<>();
        for (BatchedSequence s : rows) {
            if (s != null && !s.prefilled()) {
                int exit = s.strategy == DecodingStrategy.EARLY_EXIT ? s.exit : config.numLayers();
                groups.computeIfAbsent(List.of(s.sampler, exit), k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<List<Object>, List<BatchedSequence>> g : groups.entrySet()) {
            List<BatchedSequence> group = g.getValue();
            try {
                BatchPasses.prefill(
                        session(group.get(0).sampler),
                        state,
                        group,
                        (Integer) g.getKey().get(1),
                        prefillChunk);
            } catch (RuntimeException e) {
                fail(group, e);
            }
            for (BatchedSequence s : group) {
                if (s.prefilled()) {
                    promptTokens.addAndGet(s.prompt.length);
                }
            }
        }
    }

    private void runDecodes() {
        Map<List<Object>, List<BatchedSequence>> groups = new LinkedHashMap<>();
        int n = 0;
        for (BatchedSequence s : rows) {
            if (s == null || !s.prefilled() || !s.out.active(0)) {
                continue;
            }
            List<Object> key =
                    s.strategy == DecodingStrategy.SELF_SPECULATIVE
                            ? List.of(
                                    s.sampler,
                                    s.exit,
                                    s.eos,
                                    s.options.confidenceThreshold(),
                                    s.options.reuseExitStates())
                            : List.of(s.sampler, s.exit);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            n++;
        }
        if (n == 0) {
            return;
        }
        rounds.incrementAndGet();
        rowRounds.addAndGet(n);
        for (List<BatchedSequence> group : groups.values()) {
            BatchedSequence first = group.get(0);
            EngineSession session = session(first.sampler);
            try {
                if (first.strategy == DecodingStrategy.SELF_SPECULATIVE) {
                    BatchPasses.speculate(session, state, group);
                } else {
                    BatchPasses.step(session, group, first.exit);
                }
            } catch (RuntimeException e) {
                fail(group, e);
            }
        }
    }

    /** Frees the rows of finished sequences and completes their futures. */
    private void finishDone() {
        long now = System.nanoTime();
        for (BatchedSequence s : rows) {
            if (s == null || s.out.active(0)) {
                continue;
            }
            free(s);
            long[] tokens = s.out.tokens(0);
            completionTokens.addAndGet(tokens.length);
            SpeculationStats spec = null;
            if (s.strategy == DecodingStrategy.SELF_SPECULATIVE) {
                spec = new SpeculationStats(s.stats[0], s.stats[1], s.stats[2], s.stats[3]);
                drafted.addAndGet(s.stats[0]);
                accepted.addAndGet(s.stats[1]);
                verifications.addAndGet(s.stats[2]);
            }
            DecodingStrategy strategy =
                    s.exit == config.numLayers() ? DecodingStrategy.AUTOREGRESSIVE : s.strategy;
            completed.incrementAndGet();
            s.complete(
                    new GenerationResult(
                            tokens,
                            s.out.reason(0),
                            strategy,
                            s.exit,
                            s.numSpeculations(),
                            s.prompt.length,
                            s.firstTokenNanos - s.admittedNanos,
                            now - s.firstTokenNanos,
                            spec,
                            state == null ? 0 : state.kvBytes() / maxBatch,
                            engine.kind()));
        }
    }

    private void fail(List<BatchedSequence> group, Throwable e) {
        for (BatchedSequence s : group) {
            if (rows[s.row] == s) {
                free(s);
                failed.incrementAndGet();
                s.fail(e);
            }
        }
    }

    private void failRunning(Throwable e) {
        for (BatchedSequence s : rows) {
            if (s != null) {
                free(s);
                failed.incrementAndGet();
                s.fail(e);
            }
        }
    }

    private void failWaiting(Throwable e) {
        BatchedSequence s;
        while ((s = waiting.poll()) != null) {
            waitingCount.decrementAndGet();
            failed.incrementAndGet();
            s.fail(e);
        }
    }

    /** Frees a sequence's row: every layer rolled back to 0 slots, ready for the next request. */
    private void free(BatchedSequence s) {
        if (state != null) {
            state.truncate(s.row, 0);
        }
        rows[s.row] = null;
        running--;
    }

    private int freeRow() {
        for (int r = 0; r < rows.length; r++) {
            if (rows[r] == null) {
                return r;
            }
        }
        return -1;
    }

    private void openState() {
        state =
                model.newState(
                        manager,
                        maxBatch,
                        maxContext + maxDraft + 1,
                        Math.max(prefillChunk, maxDraft + 1));
    }

    private void closeState() {
        sessions.clear();
        if (state != null) {
            state.close();
            state = null;
        }
    }

    /** The session of a sampling configuration, opened on first use; null when at the cap. */
    private EngineSession session(SamplerKey key) {
        EngineSession s = sessions.get(key);
        if (s == null) {
            if (!key.greedy() && sampledSessions() >= maxSamplers) {
                return null;
            }
            TokenSampler sampler =
                    key.greedy()
                            ? null
                            : new TokenSampler(key.temperature(), key.topK(), key.topP());
            s = engine.open(state, sampler, maxDraft);
            sessions.put(key, s);
        }
        return s;
    }

    private int sampledSessions() {
        int n = 0;
        for (SamplerKey k : sessions.keySet()) {
            n += k.greedy() ? 0 : 1;
        }
        return n;
    }

    private void releaseLease() {
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    /** Builds a {@link ContinuousBatcher}. */
    public static final class Builder {

        private final Generator generator;
        private int maxBatch = 8;
        private int maxQueue = 64;
        private int maxContext;
        private int maxDraft = 8;
        private int prefillChunk = 512;
        private int maxSamplers = 8;
        private EngineKind engine;

        private Builder(Generator generator) {
            if (generator == null) {
                throw new IllegalArgumentException("generator must not be null");
            }
            this.generator = generator;
        }

        /**
         * Sets the rows of the batch (default 8).
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxBatch(int n) {
            this.maxBatch = n;
            return this;
        }

        /**
         * Sets how many requests may wait for a row (default 64); more are rejected.
         *
         * @param n &gt;= 0
         * @return this
         */
        public Builder optMaxQueue(int n) {
            this.maxQueue = n;
            return this;
        }

        /**
         * Sets the most prompt plus new tokens of one request (default: the model's context).
         *
         * @param n in [1, the model's context]
         * @return this
         */
        public Builder optMaxContext(int n) {
            this.maxContext = n;
            return this;
        }

        /**
         * Sets the longest draft a request may ask for (default 8; sizes per-row buffers).
         *
         * @param d &gt;= 1
         * @return this
         */
        public Builder optMaxDraft(int d) {
            this.maxDraft = d;
            return this;
        }

        /**
         * Sets the most prompt tokens one prefill pass runs per request (default 512; local
         * attention layers cap it at their window).
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optPrefillChunk(int n) {
            this.prefillChunk = n;
            return this;
        }

        /**
         * Sets how many distinct sampling configurations (temperature, top-k, top-p) may run at
         * once (default 8; each holds an engine session); requests with another wait for the batch
         * to drain.
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxSamplers(int n) {
            this.maxSamplers = n;
            return this;
        }

        /**
         * Chooses the engine (default: the {@value EngineKind#PROPERTY} property, else fused).
         *
         * @param kind the engine or null
         * @return this
         */
        public Builder optEngine(EngineKind kind) {
            this.engine = kind;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the batcher; close it
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public ContinuousBatcher build() {
            LlamaModel m = generator.getModel();
            int ctx = m.getConfig().maxPositionEmbeddings();
            check(maxBatch >= 1, "max-batch must be >= 1, got " + maxBatch);
            check(maxQueue >= 0, "max-queue must be >= 0, got " + maxQueue);
            check(
                    maxContext >= 0 && maxContext <= ctx,
                    "max-context must be in [1, " + ctx + "], got " + maxContext);
            check(maxDraft >= 1, "max-draft must be >= 1, got " + maxDraft);
            check(
                    generator.getDefaultNumSpeculations() <= maxDraft,
                    "max-draft ("
                            + maxDraft
                            + ") is below the default num-speculations ("
                            + generator.getDefaultNumSpeculations()
                            + ")");
            check(prefillChunk >= 1, "prefill chunk must be >= 1, got " + prefillChunk);
            check(maxSamplers >= 1, "max-samplers must be >= 1, got " + maxSamplers);
            return new ContinuousBatcher(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
