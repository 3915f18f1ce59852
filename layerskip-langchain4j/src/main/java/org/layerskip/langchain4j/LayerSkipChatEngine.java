package org.layerskip.langchain4j;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.engine.EngineKind;
import org.layerskip.generate.BatchScheduler;
import org.layerskip.generate.ContinuousBatcher;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A LayerSkip model loaded for LangChain4j: weights, tokenizer, chat template, the model's sampling
 * defaults, and one scheduler thread that batches the requests of every {@link LayerSkipChatModel}
 * and {@link LayerSkipStreamingChatModel} built on it. Thread-safe; close it when done (after the
 * chat models).
 *
 * <pre>{@code
 * try (LayerSkipChatEngine engine = LayerSkipChatEngine.builder().setModel("/models/my-chat-llama").build()) {
 *     ChatModel chat = LayerSkipChatModel.builder().engine(engine).maxTokens(128).build();
 *     System.out.println(chat.chat("Hello!"));
 * }
 * }</pre>
 */
public final class LayerSkipChatEngine implements AutoCloseable {

    private final String id;
    private final NDManager manager;
    private final LlamaTokenizer tokenizer;
    private final ChatTemplate template;
    private final SamplingDefaults sampling;
    private final Generator generator;
    private final BatchScheduler scheduler;

    private LayerSkipChatEngine(Builder b) throws IOException {
        Path dir;
        try {
            dir = LayerSkipModels.resolve(b.model);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        HfLlama.readConfig(dir);
        if (!Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
            throw new IllegalArgumentException(dir + " has no " + LlamaTokenizer.TOKENIZER_FILE);
        }
        this.id = Files.isDirectory(Path.of(b.model)) ? dir.getFileName().toString() : b.model;
        this.sampling = SamplingDefaults.read(dir);
        this.manager = NDManager.newBaseManager();
        LlamaTokenizer tok = null;
        try {
            LlamaModel model = HfLlama.load(dir, manager, b.dataType);
            tok = LlamaTokenizer.load(dir);
            this.tokenizer = tok;
            this.template =
                    b.chatTemplate != null
                            ? ChatTemplate.of(b.chatTemplate, bosText(tok), eosText(tok))
                            : ChatTemplate.read(dir)
                                    .orElseThrow(
                                            () ->
                                                    new IllegalArgumentException(
                                                            "model '"
                                                                    + b.model
                                                                    + "' has no chat template (no chat_template in"
                                                                    + " tokenizer_config.json); give one with chatTemplate(...)"));
            SpeculationDefaults d =
                    LayerSkipModels.speculationDefaults(b.model, dir, model.numLayers());
            this.generator = new Generator(model, d.exitLayer(), d.numSpeculations());
            this.scheduler =
                    new BatchScheduler(
                            ContinuousBatcher.builder(generator)
                                    .optMaxBatch(b.maxBatch)
                                    .optMaxQueue(b.maxQueue)
                                    .optMaxDraft(Math.max(8, generator.getDefaultNumSpeculations()))
                                    .optEngine(b.engine)
                                    .build());
        } catch (IOException | RuntimeException | Error e) {
            if (tok != null) {
                tok.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Creates a builder.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private static String bosText(LlamaTokenizer t) {
        return t.bosTokenId().isPresent() ? t.idToToken(t.bosTokenId().getAsLong()) : null;
    }

    private static String eosText(LlamaTokenizer t) {
        return t.eosTokenIds().isEmpty() ? null : t.idToToken(t.eosTokenIds().get(0));
    }

    /**
     * Returns the model's name (its zoo id or folder name).
     *
     * @return the id
     */
    public String modelName() {
        return id;
    }

    LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    ChatTemplate template() {
        return template;
    }

    SamplingDefaults sampling() {
        return sampling;
    }

    ContinuousBatcher batcher() {
        return scheduler.batcher();
    }

    /**
     * Returns the generator (its model and default E and d).
     *
     * @return the generator
     */
    public Generator generator() {
        return generator;
    }

    /** Cancels what still runs, stops the scheduler and frees the model. */
    @Override
    public void close() {
        scheduler.close();
        tokenizer.close();
        manager.close();
    }

    /** Builds a {@link LayerSkipChatEngine}. */
    public static final class Builder {

        private String model = "tiny-layerskip";
        private DataType dataType = DataType.FLOAT32;
        private String chatTemplate;
        private int maxBatch = 8;
        private int maxQueue = 64;
        private EngineKind engine;

        private Builder() {}

        /**
         * Sets the model: a zoo id or a Hugging Face Llama folder (default {@code tiny-layerskip}).
         *
         * @param model the id or folder
         * @return this
         */
        public Builder setModel(String model) {
            this.model = model;
            return this;
        }

        /**
         * Sets the weight precision (default FLOAT32).
         *
         * @param t FLOAT32 or FLOAT16
         * @return this
         */
        public Builder optDataType(DataType t) {
            this.dataType = t;
            return this;
        }

        /**
         * Gives a chat template (Jinja source) instead of the model's own.
         *
         * @param source the template
         * @return this
         */
        public Builder optChatTemplate(String source) {
            this.chatTemplate = source;
            return this;
        }

        /**
         * Sets how many requests are decoded together (default 8).
         *
         * @param n &gt;= 1
         * @return this
         */
        public Builder optMaxBatch(int n) {
            this.maxBatch = n;
            return this;
        }

        /**
         * Sets how many requests may wait (default 64); more are refused.
         *
         * @param n &gt;= 0
         * @return this
         */
        public Builder optMaxQueue(int n) {
            this.maxQueue = n;
            return this;
        }

        /**
         * Chooses the decode engine (default: fused).
         *
         * @param kind the engine, or null
         * @return this
         */
        public Builder optEngine(EngineKind kind) {
            this.engine = kind;
            return this;
        }

        /**
         * Loads the model and starts the scheduler.
         *
         * @return the engine; close it
         * @throws IOException if a model file cannot be read or is invalid
         * @throws IllegalArgumentException for an unknown model or one without tokenizer or
         *     template
         */
        public LayerSkipChatEngine build() throws IOException {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model must be set");
            }
            return new LayerSkipChatEngine(this);
        }
    }
}
