package org.layerskip.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.NormalInitializer;

import org.layerskip.config.LlamaConfig;
import org.layerskip.config.RopeScaling;
import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.nn.LlamaModel;

import java.util.List;

public final class QuickBench {
    public static void main(String[] args) {
        int dim = Integer.parseInt(args[0]);
        int layers = Integer.parseInt(args[1]);
        int heads = Integer.parseInt(args[2]);
        int ffn = Integer.parseInt(args[3]);
        LlamaConfig c = new LlamaConfig(32000, dim, ffn, layers, heads, heads, dim / heads, 1e-5, 10000,
                RopeScaling.NONE, 1024, false, 1, List.of(2), "float32");
        try (NDManager m = NDManager.newBaseManager()) {
            LlamaModel model = LlamaModel.builder().setConfig(c).build();
            model.setInitializer(new NormalInitializer(0.02f), ai.djl.nn.Parameter.Type.WEIGHT);
            model.initialize(m, DataType.FLOAT32, new Shape(1, 4));
            model.freezeParameters(true);
            Generator g = new Generator(model);
            long[] prompt = new long[32];
            for (int i = 0; i < prompt.length; i++) prompt[i] = 1 + i * 7;
            GenerationOptions o = GenerationOptions.builder().optMaxNewTokens(128).optEosTokenIds(List.of()).build();
            for (int i = 0; i < 6; i++) {
                GenerationResult r = g.generate(prompt, o, null);
                System.out.printf("decode %.1f tok/s  prefill %.1f tok/s%n", r.tokensPerSecond(), r.prefillTokensPerSecond());
            }
        }
    }
}
