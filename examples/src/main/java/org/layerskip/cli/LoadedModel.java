package org.layerskip.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.RecordedSettings;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A model folder loaded for generation: weights, optional tokenizer, recorded E/d. Close it. */
final class LoadedModel implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LoadedModel.class);

    final Path dir;
    final NDManager manager;
    final LlamaModel model;
    final LlamaTokenizer tokenizer;
    final Optional<RecordedSettings> recorded;

    private LoadedModel(
            Path dir,
            NDManager manager,
            LlamaModel model,
            LlamaTokenizer tokenizer,
            Optional<RecordedSettings> recorded) {
        this.dir = dir;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.recorded = recorded;
    }

    static LoadedModel open(Path dir, DataType dataType, boolean quiet) throws Exception {
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
            Optional<RecordedSettings> recorded = RecordedSettings.read(dir, model.numLayers());
            recorded.ifPresent(r -> logger.info("using {} from {}", r, RecordedSettings.FILE_NAME));
            if (Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
                tokenizer = LlamaTokenizer.load(dir);
                // before generating: a mismatch would otherwise fail only when decoding the output
                tokenizer.checkModelVocabulary(model.getConfig().vocabSize());
            }
            return new LoadedModel(dir, manager, model, tokenizer, recorded);
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
     * Returns a generator whose default E and d come from {@code layerskip.json} when the folder has
     * one, and from the library otherwise.
     */
    Generator generator() {
        return recorded.map(r -> new Generator(model, r.exitLayer(), r.numSpeculations()))
                .orElseGet(() -> new Generator(model));
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
