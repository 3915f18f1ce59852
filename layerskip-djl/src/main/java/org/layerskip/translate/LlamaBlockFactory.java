package org.layerskip.translate;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.ArgumentsUtil;

import org.layerskip.generate.Generator;
import org.layerskip.io.HfLlama;
import org.layerskip.io.RecordedSettings;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds the block of a DJL {@link Model} from a Hugging Face Llama folder ({@code config.json} +
 * safetensors): loads the weights with {@link HfLlama#load} into the model's manager and wraps
 * them in a {@link GenerationBlock}. Because the weights are loaded here, load the model with the
 * option {@code hasParameter=false} (DJL would otherwise look for a {@code .params} file).
 *
 * <p>Arguments: {@code dtype} ({@code float32} default, or {@code float16}). When the folder holds a
 * {@link RecordedSettings#FILE_NAME} (written by {@code layerskip sweep}), its exit layer and draft
 * length become the defaults for requests that leave them at 0.
 */
public final class LlamaBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments)
            throws IOException {
        DataType dtype = parseDtype(ArgumentsUtil.stringValue(arguments, "dtype", "float32"));
        LlamaModel llama = HfLlama.load(modelPath, model.getNDManager(), dtype);
        model.setDataType(dtype);
        // The tokenizer detects stop strings inside the block (only while a generation holds the
        // model's lease), so it is released with the weights: after running generations end.
        LlamaTokenizer tokenizer = null;
        if (Files.isRegularFile(modelPath.resolve(LlamaTokenizer.TOKENIZER_FILE))) {
            tokenizer = LlamaTokenizer.load(modelPath);
            llama.getEmbedding().getArray().getManager().attachInternal(UUID.randomUUID().toString(), tokenizer);
        }
        // Settings measured by `layerskip sweep` for this model; explicit arguments still win.
        try {
            Generator defaults = new Generator(llama);
            int e = defaults.getDefaultExitLayer();
            int d = defaults.getDefaultNumSpeculations();
            Optional<RecordedSettings> recorded = RecordedSettings.read(modelPath, llama.numLayers());
            if (recorded.isPresent()) {
                e = recorded.get().exitLayer();
                d = recorded.get().numSpeculations();
            }
            return new GenerationBlock(llama, e, d, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Parses a dtype argument.
     *
     * @param s {@code float32}/{@code f32}/{@code fp32} or {@code float16}/{@code f16}/{@code fp16}
     * @return the data type
     */
    public static DataType parseDtype(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "float32":
            case "f32":
            case "fp32":
                return DataType.FLOAT32;
            case "float16":
            case "f16":
            case "fp16":
                return DataType.FLOAT16;
            default:
                throw new IllegalArgumentException(
                        "dtype must be float32 or float16, got '" + s + "'");
        }
    }
}
