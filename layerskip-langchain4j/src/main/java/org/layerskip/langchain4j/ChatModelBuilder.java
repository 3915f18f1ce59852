package org.layerskip.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;

import org.layerskip.generate.DecodingStrategy;

import java.util.List;
import java.util.function.Function;

/**
 * Builds {@link LayerSkipChatModel} and {@link LayerSkipStreamingChatModel}: the engine (required),
 * default request parameters, and the LayerSkip settings (strategy, E, d, seed).
 *
 * @param <M> the model type
 */
public final class ChatModelBuilder<M> {

    private final Function<Values, M> factory;
    private final Values v = new Values();

    ChatModelBuilder(Function<Values, M> factory) {
        this.factory = factory;
    }

    /** What a builder collected. */
    static final class Values {
        LayerSkipChatEngine engine;
        Double temperature;
        Double topP;
        Integer topK;
        Integer maxTokens;
        List<String> stop;
        DecodingStrategy strategy = DecodingStrategy.SELF_SPECULATIVE;
        int exitLayer;
        int numSpeculations;
        Long seed;

        ChatRun.Settings settings() {
            return new ChatRun.Settings(strategy, exitLayer, numSpeculations, seed);
        }

        ChatRequestParameters parameters() {
            return ChatRequestParameters.builder()
                    .modelName(engine.modelName())
                    .temperature(temperature)
                    .topP(topP)
                    .topK(topK)
                    .maxOutputTokens(maxTokens)
                    .stopSequences(stop)
                    .build();
        }
    }

    /**
     * Sets the engine (required).
     *
     * @param engine the loaded model
     * @return this
     */
    public ChatModelBuilder<M> engine(LayerSkipChatEngine engine) {
        v.engine = engine;
        return this;
    }

    /**
     * Sets the default temperature (0 = greedy; default: the model's generation_config.json).
     *
     * @param t the temperature
     * @return this
     */
    public ChatModelBuilder<M> temperature(Double t) {
        v.temperature = t;
        return this;
    }

    /**
     * Sets the default top-p.
     *
     * @param p in (0, 1]
     * @return this
     */
    public ChatModelBuilder<M> topP(Double p) {
        v.topP = p;
        return this;
    }

    /**
     * Sets the default top-k.
     *
     * @param k &gt;= 0 (0 = off)
     * @return this
     */
    public ChatModelBuilder<M> topK(Integer k) {
        v.topK = k;
        return this;
    }

    /**
     * Sets the default maximum output tokens (default: what the context leaves).
     *
     * @param n &gt;= 1
     * @return this
     */
    public ChatModelBuilder<M> maxTokens(Integer n) {
        v.maxTokens = n;
        return this;
    }

    /**
     * Sets default stop sequences.
     *
     * @param stops at most 4 non-empty strings
     * @return this
     */
    public ChatModelBuilder<M> stopSequences(List<String> stops) {
        v.stop = stops;
        return this;
    }

    /**
     * Sets the decoding strategy (default self-speculative).
     *
     * @param s the strategy
     * @return this
     */
    public ChatModelBuilder<M> strategy(DecodingStrategy s) {
        v.strategy = s;
        return this;
    }

    /**
     * Sets E (default: the model's recorded one).
     *
     * @param e the exit layer
     * @return this
     */
    public ChatModelBuilder<M> exitLayer(int e) {
        v.exitLayer = e;
        return this;
    }

    /**
     * Sets d (default: the model's recorded one).
     *
     * @param d draft tokens per round
     * @return this
     */
    public ChatModelBuilder<M> numSpeculations(int d) {
        v.numSpeculations = d;
        return this;
    }

    /**
     * Sets the sampling seed (default: random per request).
     *
     * @param seed the seed
     * @return this
     */
    public ChatModelBuilder<M> seed(Long seed) {
        v.seed = seed;
        return this;
    }

    /**
     * Builds the model.
     *
     * @return the chat model
     * @throws IllegalArgumentException without an engine or with an invalid strategy setting
     */
    public M build() {
        if (v.engine == null) {
            throw new IllegalArgumentException("engine(...) must be set");
        }
        if (v.strategy == null || v.exitLayer < 0 || v.numSpeculations < 0) {
            throw new IllegalArgumentException(
                    "strategy must be set and exit layer / num speculations >= 0");
        }
        return factory.apply(v);
    }
}
