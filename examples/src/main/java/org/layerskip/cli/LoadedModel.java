package org.layerskip.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model loaded for generation: what {@code --model} said, the folder it resolved to, weights,
 * optional tokenizer, the default E/d ({@link SpeculationDefaults} through {@link
 * LayerSkipModels#speculationDefaults}, also per task). Close it.
 */
final class LoadedModel implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LoadedModel.class);

    /** The model as the user gave it (a zoo id or a path): what results report as "model". */
    final String given;

    /** The folder it resolved to (for a bundled zoo id, the extracted copy). */
    final Path dir;

    final NDManager manager;
    final LlamaModel model;
    final LlamaTokenizer tokenizer;
    final SpeculationDefaults defaults;

    private LoadedModel(
            String given,
            Path dir,
            NDManager manager,
            LlamaModel model,
            LlamaTokenizer tokenizer,
            SpeculationDefaults defaults) {
        this.given = given;
        this.dir = dir;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
    }

    /**
     * Resolves and loads a model.
     *
     * @param given a zoo id or a Hugging Face folder, as the user gave it
     * @param dataType the weights' type
     * @param quiet whether to hide LibTorch's first-use warning
     */
    static LoadedModel open(String given, DataType dataType, boolean quiet) throws Exception {
        Path dir = ModelLocator.resolve(given);
        HfLlama.readConfig(dir); // fails fast with a clear message before the engine starts
        NDManager manager = NDManager.newBaseManager();
        LlamaTokenizer tokenizer = null;
        try {
            long t0 = System.nanoTime();
            LlamaModel model =
                    quiet
                            ? NativeStderr.silenced(() -> HfLlama.load(dir, manager, dataType))
                            : HfLlama.load(dir, manager, dataType);
            logger.info(
                    "loaded {} ({} layers, {}) in {} ms",
                    dir,
                    model.numLayers(),
                    dataType,
                    (System.nanoTime() - t0) / 1_000_000);
            SpeculationDefaults defaults =
                    LayerSkipModels.speculationDefaults(given, dir, model.numLayers());
            logger.info(
                    "default E = {}, d = {} ({})",
                    defaults.exitLayer(),
                    defaults.numSpeculations(),
                    defaults.source());
            if (Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
                tokenizer = LlamaTokenizer.load(dir);
                // before generating: a mismatch would otherwise fail only when decoding the output
                tokenizer.checkModelVocabulary(model.getConfig().vocabSize());
            }
            return new LoadedModel(given, dir, manager, model, tokenizer, defaults);
        } catch (Exception | Error e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    int numLayers() {
        return model.numLayers();
    }

    /**
     * Returns a generator whose default E and d follow {@link SpeculationDefaults}: {@code
     * layerskip.json}, then the zoo entry, then the library's.
     */
    Generator generator() {
        return new Generator(model, defaults.exitLayer(), defaults.numSpeculations());
    }

    /**
     * Returns a generator whose default E and d are those recorded for a task ({@code layerskip
     * sweep --task}), else the defaults of {@link #generator()}.
     *
     * @param task the task name, or null for the defaults
     */
    Generator generator(String task) {
        SpeculationDefaults d = defaultsFor(task);
        return new Generator(model, d.exitLayer(), d.numSpeculations());
    }

    /** The default E and d for a task (null: the model's defaults). */
    SpeculationDefaults defaultsFor(String task) {
        if (task == null) {
            return defaults;
        }
        return LayerSkipModels.speculationDefaults(given, dir, model.numLayers(), task);
    }

    /** Encodes a text prompt, adding BOS as the tokenizer configuration says. */
    long[] encode(String text) {
        if (tokenizer == null) {
            throw new IllegalArgumentException(
                    "--prompt needs a "
                            + LlamaTokenizer.TOKENIZER_FILE
                            + " in "
                            + dir
                            + "; give token ids with --prompt-ids instead");
        }
        return tokenizer.encode(text);
    }

    /**
     * Checks an explicit exit layer against the model (the library treats 0 as "default").
     *
     * @param exitLayer the requested E, or null
     * @param selfSpeculative whether E must leave at least one layer to verify
     */
    void checkExitLayer(Integer exitLayer, boolean selfSpeculative) {
        if (exitLayer == null) {
            return;
        }
        int max = selfSpeculative ? numLayers() - 1 : numLayers();
        if (exitLayer < 1 || exitLayer > max) {
            throw new IllegalArgumentException(
                    "exit-layer"
                            + (selfSpeculative ? " for self-speculation" : "")
                            + " must be in [1, "
                            + max
                            + "] for this "
                            + numLayers()
                            + "-layer model, got "
                            + exitLayer);
        }
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
