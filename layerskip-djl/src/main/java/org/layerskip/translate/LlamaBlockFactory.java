package org.layerskip.translate;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.translate.ArgumentsUtil;

import org.layerskip.io.HfLlama;
import org.layerskip.io.RecordedSettings;
import org.layerskip.io.SpeculationDefaults;
import org.layerskip.nn.LlamaModel;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Builds the block of a DJL {@link Model} from a Hugging Face Llama folder ({@code config.json} +
 * safetensors): loads the weights with {@link HfLlama#load} into the model's manager and wraps them
 * in a {@link GenerationBlock}. Because the weights are loaded here, load the model with the option
 * {@code hasParameter=false} (DJL would otherwise look for a {@code .params} file).
 *
 * <p>Arguments: {@code dtype} ({@code float32} default, or {@code float16}); {@value
 * #RECOMMENDED_EXIT_LAYER} and {@value #RECOMMENDED_NUM_SPECULATIONS}, the E and d recommended from
 * outside the folder (the model zoo passes its entry's), with {@value #RECOMMENDATION_SOURCE}
 * naming where they come from. The defaults for requests that leave E and d at 0 follow {@link
 * SpeculationDefaults}: the folder's {@link RecordedSettings#FILE_NAME} (written by {@code
 * layerskip sweep}), then the recommendation, then E = L/4 and d = 4; a recorded or recommended E
 * that does not fit the model is skipped with a warning.
 */
public final class LlamaBlockFactory implements BlockFactory {

    /** Argument: the exit layer recommended for this model (0 or absent: none). */
    public static final String RECOMMENDED_EXIT_LAYER = "recommendedExitLayer";

    /** Argument: the draft length recommended for this model (0 or absent: none). */
    public static final String RECOMMENDED_NUM_SPECULATIONS = "recommendedNumSpeculations";

    /** Argument: where the recommendation comes from, for messages. */
    public static final String RECOMMENDATION_SOURCE = "recommendationSource";

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
            llama.getEmbedding()
                    .getArray()
                    .getManager()
                    .attachInternal(UUID.randomUUID().toString(), tokenizer);
        }
        try {
            SpeculationDefaults d =
                    SpeculationDefaults.resolve(
                            modelPath,
                            llama.numLayers(),
                            ArgumentsUtil.intValue(arguments, RECOMMENDED_EXIT_LAYER, 0),
                            ArgumentsUtil.intValue(arguments, RECOMMENDED_NUM_SPECULATIONS, 0),
                            ArgumentsUtil.stringValue(
                                    arguments, RECOMMENDATION_SOURCE, "the Criteria arguments"));
            return new GenerationBlock(llama, d.exitLayer(), d.numSpeculations(), tokenizer);
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
