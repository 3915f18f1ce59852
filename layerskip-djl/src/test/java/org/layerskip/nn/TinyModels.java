package org.layerskip.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;

import org.layerskip.config.LlamaConfig;
import org.layerskip.config.LlamaPreset;

/** Random tiny models for tests that need no checkpoint. */
public final class TinyModels {

    private TinyModels() {}

    /**
     * A small GQA config.
     *
     * @param layers L
     * @param tied whether the head is tied
     * @return the config
     */
    public static LlamaConfig config(int layers, boolean tied) {
        return LlamaPreset.TINY.builder().setNumLayers(layers).optTieWordEmbeddings(tied).build();
    }

    /**
     * Builds and randomly initialises a model.
     *
     * @param manager the owner of the weights
     * @param config the architecture
     * @param seed RNG seed
     * @return the model
     */
    public static LlamaModel random(NDManager manager, LlamaConfig config, long seed) {
        manager.getEngine().setRandomSeed((int) seed);
        LlamaModel model = LlamaModel.builder().setConfig(config).build();
        model.setInitializer(new NormalInitializer(0.2f), ai.djl.nn.Parameter.Type.WEIGHT);
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
        model.freezeParameters(true);
        return model;
    }
}
