package org.layerskip.spark;

import ai.djl.ndarray.NDManager;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model loaded once per JVM and shared by every task that runs there: weights, tokenizer and the
 * default exit layer / draft length ({@link SpeculationDefaults}: {@code layerskip.json}, then the
 * zoo entry, then L/4 and 4). A loaded {@link LlamaModel} holds no per-request state, so concurrent
 * tasks may use it; each call allocates its own KV cache.
 */
final class SharedModel implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SharedModel.class);

    final ModelKey key;
    final Path dir;
    final LlamaModel model;
    private final NDManager manager;
    private final LlamaTokenizer tokenizer;
    private final SpeculationDefaults defaults;

    private SharedModel(
            ModelKey key,
            Path dir,
            NDManager manager,
            LlamaModel model,
            LlamaTokenizer tokenizer,
            SpeculationDefaults defaults) {
        this.key = key;
        this.dir = dir;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
    }

    /**
     * Finds and loads a model on this JVM.
     *
     * @param key the model and dtype
     * @return the loaded model; close it to free its native memory
     * @throws ModelUnavailableException naming the path if the folder is missing or unusable
     */
    static SharedModel load(ModelKey key) {
        Path dir = ModelFolders.resolve(key.model());
        long t0 = System.nanoTime();
        NDManager manager = null;
        LlamaTokenizer tokenizer = null;
        try {
            HfLlama.readConfig(dir); // a clear message before the engine starts
            manager = NDManager.newBaseManager();
            LlamaModel model = HfLlama.load(dir, manager, key.dataType());
            SpeculationDefaults defaults =
                    LayerSkipModels.speculationDefaults(key.model(), dir, model.numLayers());
            if (Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
                tokenizer = LlamaTokenizer.load(dir);
            }
            logger.info(
                    "loaded {} from {} ({} layers, {}) on {} in {} ms",
                    key.model(),
                    dir,
                    model.numLayers(),
                    key.dtype(),
                    ModelFolders.executor(),
                    (System.nanoTime() - t0) / 1_000_000);
            return new SharedModel(key, dir, manager, model, tokenizer, defaults);
        } catch (IOException | RuntimeException | Error e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            if (manager != null) {
                manager.close();
            }
            if (e instanceof ModelUnavailableException) {
                throw (ModelUnavailableException) e;
            }
            throw new ModelUnavailableException(
                    "cannot load model "
                            + key.model()
                            + " from "
                            + dir
                            + " on "
                            + ModelFolders.executor()
                            + ": "
                            + ModelFolders.firstLine(e),
                    e);
        }
    }

    /**
     * Returns a generator whose default E and d follow {@link SpeculationDefaults}, as in {@code
     * layerskip generate}.
     *
     * @return a generator over the shared model
     */
    Generator generator() {
        return new Generator(model, defaults.exitLayer(), defaults.numSpeculations());
    }

    /**
     * Returns the tokenizer that text needs.
     *
     * @param what what needs it, for the message
     * @return the tokenizer
     * @throws ModelUnavailableException if the folder has no {@code tokenizer.json}
     */
    LlamaTokenizer tokenizer(String what) {
        if (tokenizer == null) {
            throw new ModelUnavailableException(
                    what
                            + " needs "
                            + LlamaTokenizer.TOKENIZER_FILE
                            + " in the model folder "
                            + dir
                            + " on "
                            + ModelFolders.executor(),
                    null);
        }
        return tokenizer;
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
