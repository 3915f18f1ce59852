package org.layerskip.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;

import org.layerskip.config.LlamaConfig;
import org.layerskip.nn.LlamaModel;
import org.layerskip.nn.TinyModels;

import java.util.SplittableRandom;

/** Tiny models and learnable synthetic data for the training tests. */
final class TrainFixtures {

    private TrainFixtures() {}

    /** A trainable tiny model (V = 97, D = 32). */
    static LlamaModel trainable(NDManager manager, int layers, long seed, DataType dtype) {
        return trainable(manager, TinyModels.config(layers, false), seed, dtype);
    }

    /** A trainable model of the given architecture (e.g. with local-attention layers). */
    static LlamaModel trainable(NDManager manager, LlamaConfig config, long seed, DataType dtype) {
        manager.getEngine().setRandomSeed((int) seed);
        LlamaModel model = LlamaModel.builder().setConfig(config).build();
        model.setInitializer(new NormalInitializer(0.2f), Parameter.Type.WEIGHT);
        model.initialize(manager, dtype, new Shape(1, 4));
        model.freezeParameters(false);
        return model;
    }

    /**
     * Windows of arithmetic progressions mod 97 with a per-window stride in {1, 2, 3}: learnable
     * from context, so the loss falls quickly.
     */
    static TokenSequences progressions(int count, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long[][] w = new long[count][length];
        for (int i = 0; i < count; i++) {
            int start = rng.nextInt(97);
            int stride = 1 + rng.nextInt(3);
            for (int j = 0; j < length; j++) {
                w[i][j] = (start + (long) stride * j) % 97;
            }
        }
        return TokenSequences.of(w, seed);
    }
}
