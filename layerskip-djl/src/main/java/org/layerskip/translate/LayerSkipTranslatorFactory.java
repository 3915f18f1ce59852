package org.layerskip.translate;

import ai.djl.Model;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.io.SamplingDefaults;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Makes LayerSkip translators for {@code String → String} ({@link TextGenerationTranslator}),
 * {@link GenerationRequest} {@code →} {@link GenerationResponse} ({@link
 * GenerationRequestTranslator}) and {@link GenerationRequest} {@code →} {@link GenerationStream}
 * ({@link GenerationStreamTranslator}, for {@code Predictor.streamingPredict}). Options come from
 * the arguments listed in {@link GenerationArguments} over the model's {@code
 * generation_config.json} sampling settings; the tokenizer is {@code tokenizer.json} and the chat
 * template {@code tokenizer_config.json}'s {@code chat_template} in the model folder.
 *
 * <p>Loading any Hugging Face Llama folder through DJL needs three things besides the translator
 * factory: the block factory ({@link LlamaBlockFactory}), the load option {@code
 * hasParameter=false} (weights come from safetensors, not a DJL {@code .params} file) and the
 * PyTorch engine. {@link #configure(Criteria.Builder)} sets all four:
 *
 * <pre>{@code
 * Criteria<String, String> criteria =
 *         LayerSkipTranslatorFactory.configure(Criteria.builder().setTypes(String.class, String.class))
 *                 .optModelPath(Path.of("layerskip-llama3.2-1B"))
 *                 .optArgument("maxNewTokens", 32)
 *                 .build();
 * }</pre>
 *
 * The model-zoo module does the same for {@code djl://org.layerskip/...} URLs.
 */
public final class LayerSkipTranslatorFactory implements TranslatorFactory {

    private static final Set<Pair<Type, Type>> SUPPORTED =
            Set.of(
                    new Pair<>(String.class, String.class),
                    new Pair<>(GenerationRequest.class, GenerationResponse.class),
                    new Pair<>(GenerationRequest.class, GenerationStream.class));

    /**
     * Adds the LayerSkip translator factory, block factory, {@code hasParameter=false} and the
     * PyTorch engine to a criteria builder.
     *
     * @param builder a builder with its types set
     * @param <I> input type
     * @param <O> output type
     * @return the same builder
     */
    public static <I, O> Criteria.Builder<I, O> configure(Criteria.Builder<I, O> builder) {
        return builder.optEngine("PyTorch")
                .optTranslatorFactory(new LayerSkipTranslatorFactory())
                .optArgument("blockFactory", LlamaBlockFactory.class.getName())
                .optOption("hasParameter", "false");
    }

    /** {@inheritDoc} */
    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    /** {@inheritDoc} */
    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(
            Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        Path dir = model.getModelPath();
        GenerationOptions options;
        try {
            // generation_config.json's sampling settings, unless the arguments say otherwise
            SamplingDefaults sampling =
                    dir == null ? SamplingDefaults.GREEDY : SamplingDefaults.read(dir);
            options = GenerationArguments.parse(arguments, GenerationArguments.defaults(sampling));
        } catch (IllegalArgumentException e) {
            throw new TranslateException("invalid LayerSkip argument: " + e.getMessage(), e);
        }
        boolean hasTokenizer =
                dir != null && Files.isRegularFile(dir.resolve(LlamaTokenizer.TOKENIZER_FILE));
        if (input == String.class && output == String.class) {
            if (!hasTokenizer) {
                throw new TranslateException(
                        dir
                                + " has no "
                                + LlamaTokenizer.TOKENIZER_FILE
                                + "; text generation needs the model's tokenizer (copy it from"
                                + " the Hugging Face repo), or use"
                                + " GenerationRequest/GenerationResponse with prompt ids");
            }
            return (Translator<I, O>) new TextGenerationTranslator(tokenizer(model, dir), options);
        }
        if (input == GenerationRequest.class
                && (output == GenerationResponse.class || output == GenerationStream.class)) {
            LlamaTokenizer tok = hasTokenizer ? tokenizer(model, dir) : null;
            ChatTemplate template = dir == null ? null : ChatTemplate.read(dir).orElse(null);
            return output == GenerationResponse.class
                    ? (Translator<I, O>) new GenerationRequestTranslator(tok, template, options)
                    : (Translator<I, O>) new GenerationStreamTranslator(tok, template, options);
        }
        throw new IllegalArgumentException(
                "Unsupported input/output types: " + input + ", " + output);
    }

    private static LlamaTokenizer tokenizer(Model model, Path dir) {
        LlamaTokenizer tok = LlamaTokenizer.load(dir);
        if (model.getBlock() instanceof GenerationBlock b
                && tok.vocabSize() > b.getModel().getConfig().vocabSize()) {
            // ids the model does not have; fewer ids than the model is tolerated here: the
            // translators leave generated ids the tokenizer does not know out of the text
            try {
                tok.checkModelVocabulary(b.getModel().getConfig().vocabSize());
            } finally {
                tok.close();
            }
        }
        // The tokenizer is native memory: release it with the model.
        model.getNDManager().attachInternal(UUID.randomUUID().toString(), tok);
        return tok;
    }
}
