package org.layerskip.generate;

import org.layerskip.config.LibraryDefaults;
import org.layerskip.engine.EngineKind;

import java.util.List;

/**
 * What to generate and how. Immutable; build with {@link #builder()}. Every value is validated in
 * {@link Builder#build()} with a one-line message naming the option.
 */
public final class GenerationOptions {

    private final DecodingStrategy strategy;
    private final int maxNewTokens;
    private final int exitLayer;
    private final int numSpeculations;
    private final double confidenceThreshold;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final long seed;
    private final List<Long> eosTokenIds;
    private final boolean reuseExitStates;
    private final EngineKind engine;

    private GenerationOptions(Builder b) {
        strategy = b.strategy;
        maxNewTokens = b.maxNewTokens;
        exitLayer = b.exitLayer;
        numSpeculations = b.numSpeculations;
        confidenceThreshold = b.confidenceThreshold;
        temperature = b.temperature;
        topK = b.topK;
        topP = b.topP;
        seed = b.seed;
        eosTokenIds = b.eosTokenIds;
        reuseExitStates = b.reuseExitStates;
        engine = b.engine;
    }

    /**
     * Creates a builder with defaults: autoregressive, {@link LibraryDefaults#MAX_NEW_TOKENS} (64)
     * new tokens, greedy, E and d not set (0: the generator's defaults).
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder initialised from this object.
     *
     * @return a builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.strategy = strategy;
        b.maxNewTokens = maxNewTokens;
        b.exitLayer = exitLayer;
        b.numSpeculations = numSpeculations;
        b.confidenceThreshold = confidenceThreshold;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.seed = seed;
        b.eosTokenIds = eosTokenIds;
        b.reuseExitStates = reuseExitStates;
        b.engine = engine;
        return b;
    }

    /**
     * Returns the strategy.
     *
     * @return the strategy
     */
    public DecodingStrategy strategy() {
        return strategy;
    }

    /**
     * Returns the most tokens to generate per row.
     *
     * @return max new tokens (&gt;= 1)
     */
    public int maxNewTokens() {
        return maxNewTokens;
    }

    /**
     * Returns E for early exit and self-speculation; 0 means "not set" (the model's recommendation
     * or its depth).
     *
     * @return the exit layer
     */
    public int exitLayer() {
        return exitLayer;
    }

    /**
     * Returns d, the most draft tokens per verification; 0 means "not set".
     *
     * @return the draft length
     */
    public int numSpeculations() {
        return numSpeculations;
    }

    /**
     * Returns the adaptive-draft threshold: drafting stops early when the draft's top probability
     * falls below it (0 disables).
     *
     * @return the threshold in [0, 1)
     */
    public double confidenceThreshold() {
        return confidenceThreshold;
    }

    /**
     * Returns the sampling temperature; 0 means greedy.
     *
     * @return temperature
     */
    public double temperature() {
        return temperature;
    }

    /**
     * Returns top-k (0 = off).
     *
     * @return k
     */
    public int topK() {
        return topK;
    }

    /**
     * Returns top-p (1 = off).
     *
     * @return p
     */
    public double topP() {
        return topP;
    }

    /**
     * Returns the sampling seed.
     *
     * @return seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the stop ids; null means "the model's EOS ids".
     *
     * @return EOS ids or null
     */
    public List<Long> eosTokenIds() {
        return eosTokenIds;
    }

    /**
     * Returns whether self-speculative verification resumes from the cached exit-layer hidden
     * states (the KVQ cache, default) instead of recomputing layers {@code 0..E-1} for every draft
     * token.
     *
     * @return true to reuse (the LayerSkip way); false only to measure what reuse buys
     */
    public boolean reuseExitStates() {
        return reuseExitStates;
    }

    /**
     * Returns the engine that runs the request, or null for the default ({@link
     * EngineKind#fromProperty()}).
     *
     * @return the engine kind or null
     */
    public EngineKind engine() {
        return engine;
    }

    /**
     * Returns whether decoding is greedy.
     *
     * @return temperature == 0
     */
    public boolean greedy() {
        return temperature == 0;
    }

    /** Builds {@link GenerationOptions}. */
    public static final class Builder {

        private DecodingStrategy strategy = DecodingStrategy.AUTOREGRESSIVE;
        private int maxNewTokens = LibraryDefaults.MAX_NEW_TOKENS;
        private int exitLayer;
        private int numSpeculations;
        private double confidenceThreshold;
        private double temperature;
        private int topK;
        private double topP = 1.0;
        private long seed = 42;
        private List<Long> eosTokenIds;
        private boolean reuseExitStates = true;
        private EngineKind engine;

        /**
         * Chooses the decode engine (default: the {@value EngineKind#PROPERTY} system property, or
         * fused).
         *
         * @param e the engine, or null for the default
         * @return this builder
         */
        public Builder optEngine(EngineKind e) {
            this.engine = e;
            return this;
        }

        Builder() {}

        /**
         * Chooses whether verification reuses the draft's exit-layer hidden states (default true).
         *
         * @param reuse false recomputes the early layers for all drafts during verification
         * @return this
         */
        public Builder optReuseExitStates(boolean reuse) {
            this.reuseExitStates = reuse;
            return this;
        }

        /**
         * Sets the strategy.
         *
         * @param s the strategy
         * @return this
         */
        public Builder optStrategy(DecodingStrategy s) {
            this.strategy = s;
            return this;
        }

        /**
         * Sets the maximum new tokens.
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxNewTokens(int n) {
            this.maxNewTokens = n;
            return this;
        }

        /**
         * Sets E.
         *
         * @param e the exit layer, or 0 for the default
         * @return this
         */
        public Builder optExitLayer(int e) {
            this.exitLayer = e;
            return this;
        }

        /**
         * Sets d.
         *
         * @param d draft tokens per verification, or 0 for the default
         * @return this
         */
        public Builder optNumSpeculations(int d) {
            this.numSpeculations = d;
            return this;
        }

        /**
         * Sets the adaptive-draft confidence threshold.
         *
         * @param t in [0, 1); 0 disables
         * @return this
         */
        public Builder optConfidenceThreshold(double t) {
            this.confidenceThreshold = t;
            return this;
        }

        /**
         * Sets the temperature.
         *
         * @param t &gt;= 0; 0 is greedy
         * @return this
         */
        public Builder optTemperature(double t) {
            this.temperature = t;
            return this;
        }

        /**
         * Sets top-k.
         *
         * @param k &gt;= 0; 0 disables
         * @return this
         */
        public Builder optTopK(int k) {
            this.topK = k;
            return this;
        }

        /**
         * Sets top-p.
         *
         * @param p in (0, 1]; 1 disables
         * @return this
         */
        public Builder optTopP(double p) {
            this.topP = p;
            return this;
        }

        /**
         * Sets the seed.
         *
         * @param s the seed
         * @return this
         */
        public Builder optSeed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Overrides the stop ids.
         *
         * @param ids the EOS ids (empty: never stop early)
         * @return this
         */
        public Builder optEosTokenIds(List<Long> ids) {
            if (ids != null) {
                for (Long id : ids) {
                    if (id == null) {
                        throw new IllegalArgumentException("EOS token ids must not contain null");
                    }
                }
            }
            this.eosTokenIds = ids == null ? null : List.copyOf(ids);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException naming the first invalid option
         */
        public GenerationOptions build() {
            if (strategy == null) {
                throw new IllegalArgumentException("strategy must not be null");
            }
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException(
                        "max-new-tokens must be >= 1, got " + maxNewTokens);
            }
            if (exitLayer < 0) {
                throw new IllegalArgumentException(
                        "exit-layer must be >= 1 (or 0 for the model's default), got " + exitLayer);
            }
            if (numSpeculations < 0) {
                throw new IllegalArgumentException(
                        "num-speculations must be >= 1 (or 0 for the model's default), got "
                                + numSpeculations);
            }
            if (!(confidenceThreshold >= 0 && confidenceThreshold < 1)) {
                throw new IllegalArgumentException(
                        "confidence threshold must be in [0, 1), got " + confidenceThreshold);
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException(
                        "temperature must be a finite number >= 0, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
            return new GenerationOptions(this);
        }
    }
}
