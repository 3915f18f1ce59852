package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.tokenizer.LlamaTokenizer;

/**
 * {@link GenerationRequest} in, {@link GenerationResponse} (text, ids, finish reason, timings,
 * acceptance statistics) out. Each request may override the translator's default options.
 *
 * <p>The tokenizer is optional: without one (a model folder with no {@code tokenizer.json}) only
 * id requests work and responses carry an empty text.
 *
 * <p>Thread-safe for the same reasons as {@link TextGenerationTranslator}.
 */
public final class GenerationRequestTranslator
        implements NoBatchifyTranslator<GenerationRequest, GenerationResponse> {

    private final LlamaTokenizer tokenizer;
    private final GenerationOptions defaults;

    /**
     * Creates the translator.
     *
     * @param tokenizer the tokenizer, or null for id-only use
     * @param defaults options that requests override
     */
    public GenerationRequestTranslator(LlamaTokenizer tokenizer, GenerationOptions defaults) {
        this.tokenizer = tokenizer;
        this.defaults = defaults;
    }

    /**
     * Returns the default options.
     *
     * @return the defaults
     */
    public GenerationOptions getDefaults() {
        return defaults;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, GenerationRequest input) {
        long[] ids = input.promptIds();
        if (ids == null) {
            if (tokenizer == null) {
                throw new IllegalArgumentException(
                        "this model has no tokenizer.json; send prompt ids"
                                + " (GenerationRequest.ofIds) instead of text");
            }
            ids = tokenizer.encode(input.prompt());
        }
        GenerationOptions o = GenerationArguments.parse(input.overrides(), defaults);
        return GenerationCodec.encodeInput(ctx.getNDManager(), ids, o);
    }

    /** {@inheritDoc} */
    @Override
    public GenerationResponse processOutput(TranslatorContext ctx, NDList list) {
        GenerationResult r = GenerationCodec.decodeResult(list);
        String text =
                tokenizer == null ? "" : TextGenerationTranslator.decodeKnown(tokenizer, r.tokenIds());
        return new GenerationResponse(text, r);
    }
}
