package org.layerskip.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;
import org.layerskip.zoo.LayerSkipModels;

import java.nio.file.Path;

/**
 * The in-process reference: the bundled model loaded straight through the library (not through this
 * module), one prompt at a time with {@link Generator#generate}, E and d defaulting to the model's
 * {@code layerskip.json} as {@code layerskip generate} does.
 */
final class Reference implements AutoCloseable {

    final NDManager manager = NDManager.newBaseManager();
    final LlamaModel model;
    final LlamaTokenizer tokenizer;
    final Generator generator;

    Reference(String zooId) throws Exception {
        Path dir = LayerSkipModels.resolve(zooId);
        model = HfLlama.load(dir, manager, DataType.FLOAT32);
        tokenizer = LlamaTokenizer.load(dir);
        SpeculationDefaults d = SpeculationDefaults.resolve(dir, model.numLayers());
        generator = new Generator(model, d.exitLayer(), d.numSpeculations());
    }

    /** What one prompt gives alone. */
    GenerationRecord generate(String prompt, GenerationOptions options) {
        GenerationResult r = generator.generate(tokenizer.encode(prompt), options, null);
        return GenerationRecord.of(r, tokenizer.decode(r.tokenIds()));
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
