package org.layerskip.generate;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside a {@link ContinuousBatcher}: its validated prompt and options, its row of the
 * shared state while it runs, its outputs and statistics, and the future that completes with its
 * {@link GenerationResult}. Callers hold it to wait for the result or to {@link #cancel()} it; the
 * rest is the batcher's bookkeeping, touched only by the batcher's thread.
 */
public final class BatchedSequence {

    final long[] prompt;
    final GenerationOptions options;
    final DecodingStrategy strategy;
    final int exit;
    final int numSpeculations;

    /**
     * {@code min(d, maxNewTokens)}: uniforms drawn per round, as a standalone request draws them.
     */
    final int lookAhead;

    final List<Long> eos;
    final long[] eosIds;
    final TokenListener listener;
    final Picker picker;
    final BatchOutputs out;
    final SamplerKey sampler;
    final long submittedNanos = System.nanoTime();

    /** drafted, accepted, verifications, round nanos. */
    final long[] stats = new long[4];

    int row = -1;
    int consumed;
    long admittedNanos;
    long firstTokenNanos;

    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private volatile boolean cancelled;

    BatchedSequence(
            long[] prompt,
            GenerationOptions options,
            DecodingStrategy strategy,
            int exit,
            int numSpeculations,
            List<Long> eos,
            TokenListener listener) {
        this.prompt = prompt.clone();
        this.options = options;
        this.strategy = strategy;
        this.exit = exit;
        this.numSpeculations = numSpeculations;
        this.lookAhead = Math.min(numSpeculations, options.maxNewTokens());
        this.eos = eos;
        this.eosIds = eos.stream().mapToLong(Long::longValue).toArray();
        this.listener = listener;
        this.picker = new Picker(options, 1);
        this.out = new BatchOutputs(1, options.maxNewTokens(), eos, listener);
        this.sampler = SamplerKey.of(options);
    }

    /**
     * Returns the future result: completes normally when the sequence finishes (EOS, length, stop),
     * exceptionally with {@link java.util.concurrent.CancellationException} after {@link
     * #cancel()}, or with the error that ended it (the model closed, non-finite logits).
     *
     * @return the result future
     */
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /**
     * Asks the batcher to drop this sequence: a waiting one never starts, a running one leaves the
     * batch before the next round and its row is freed. Safe from any thread; idempotent.
     */
    public void cancel() {
        cancelled = true;
    }

    /**
     * Returns whether {@link #cancel()} was called.
     *
     * @return true once cancelled
     */
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Returns the prompt length.
     *
     * @return prompt tokens
     */
    public int promptTokens() {
        return prompt.length;
    }

    /**
     * Returns the strategy the sequence runs.
     *
     * @return the strategy
     */
    public DecodingStrategy strategy() {
        return strategy;
    }

    /**
     * Returns E (L for autoregressive decoding).
     *
     * @return the exit layer
     */
    public int exitLayer() {
        return exit;
    }

    /**
     * Returns d (0 unless self-speculative).
     *
     * @return the draft length
     */
    public int numSpeculations() {
        return strategy == DecodingStrategy.SELF_SPECULATIVE ? numSpeculations : 0;
    }

    boolean prefilled() {
        return consumed == prompt.length;
    }

    void complete(GenerationResult r) {
        result.complete(r);
    }

    void fail(Throwable t) {
        result.completeExceptionally(t);
    }

    /** The sampling configuration of a sequence: one engine session serves all that share it. */
    record SamplerKey(double temperature, int topK, double topP) {

        static final SamplerKey GREEDY = new SamplerKey(0, 0, 1);

        static SamplerKey of(GenerationOptions o) {
            return o.greedy() ? GREEDY : new SamplerKey(o.temperature(), o.topK(), o.topP());
        }

        boolean greedy() {
            return temperature == 0;
        }
    }
}
