package org.layerskip.server;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model loaded for serving: weights, tokenizer, chat template (optional), the {@code
 * generation_config.json} sampling defaults and a {@link Generator} whose default E and d follow
 * {@link SpeculationDefaults} ({@code layerskip.json}, then the zoo entry, then L/4 and 4). Close
 * it after the server.
 */
public final class ServedModel implements AutoCloseable {

    private final String id;
    private final Path dir;
    private final NDManager manager;
    private final LlamaModel model;
    private final LlamaTokenizer tokenizer;
    private final ChatTemplate template;
    private final SamplingDefaults sampling;
    private final Generator generator;

    private ServedModel(
            String id,
            Path dir,
            NDManager manager,
            LlamaModel model,
            LlamaTokenizer tokenizer,
            ChatTemplate template,
            SamplingDefaults sampling,
            Generator generator) {
        this.id = id;
        this.dir = dir;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.sampling = sampling;
        this.generator = generator;
    }

    /**
     * Loads a model.
     *
     * @param model a zoo id ({@code tiny-layerskip}, ...) or a Hugging Face Llama folder
     * @param dataType FLOAT32 or FLOAT16
     * @param chatTemplate a Jinja file that replaces (or supplies) the model's chat template, or
     *     null
     * @return the loaded model
     * @throws IOException if a file cannot be read or is invalid
     * @throws IllegalArgumentException for an unknown model or a folder without a tokenizer
     */
    public static ServedModel load(String model, DataType dataType, Path chatTemplate)
            throws IOException {
        Path dir;
        try {
            dir = LayerSkipModels.resolve(model);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        HfLlama.readConfig(dir); // a clear error before the engine starts
        if (!Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
            throw new IllegalArgumentException(
                    dir
                            + " has no "
                            + LlamaTokenizer.TOKENIZER_FILE
                            + "; the server needs the model's tokenizer");
        }
        SamplingDefaults sampling = SamplingDefaults.read(dir);
        NDManager manager = NDManager.newBaseManager();
        LlamaTokenizer tokenizer = null;
        try {
            LlamaModel m = HfLlama.load(dir, manager, dataType);
            tokenizer = LlamaTokenizer.load(dir);
            ChatTemplate template;
            if (chatTemplate != null) {
                template =
                        ChatTemplate.of(
                                Files.readString(chatTemplate, StandardCharsets.UTF_8),
                                tokenText(tokenizer, true),
                                tokenText(tokenizer, false));
            } else {
                template = ChatTemplate.read(dir).orElse(null);
            }
            SpeculationDefaults d = LayerSkipModels.speculationDefaults(model, dir, m.numLayers());
            Generator g = new Generator(m, d.exitLayer(), d.numSpeculations());
            String id = Files.isDirectory(Path.of(model)) ? dir.getFileName().toString() : model;
            return new ServedModel(id, dir, manager, m, tokenizer, template, sampling, g);
        } catch (IOException | RuntimeException | Error e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    private static String tokenText(LlamaTokenizer t, boolean bos) {
        if (bos) {
            return t.bosTokenId().isPresent() ? t.idToToken(t.bosTokenId().getAsLong()) : null;
        }
        return t.eosTokenIds().isEmpty() ? null : t.idToToken(t.eosTokenIds().get(0));
    }

    /**
     * Returns the name clients use ({@code model} in requests and responses).
     *
     * @return the model id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the model folder.
     *
     * @return the folder
     */
    public Path dir() {
        return dir;
    }

    /**
     * Returns the network.
     *
     * @return the model
     */
    public LlamaModel model() {
        return model;
    }

    /**
     * Returns the tokenizer.
     *
     * @return the tokenizer
     */
    public LlamaTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Returns the chat template.
     *
     * @return the template, or empty when the model has none
     */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(template);
    }

    /**
     * Returns what {@code generation_config.json} recommends for sampling.
     *
     * @return the defaults
     */
    public SamplingDefaults sampling() {
        return sampling;
    }

    /**
     * Returns the generator (defaults for E and d).
     *
     * @return the generator
     */
    public Generator generator() {
        return generator;
    }

    /** Frees the tokenizer and the weights (waits for running generations). */
    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
