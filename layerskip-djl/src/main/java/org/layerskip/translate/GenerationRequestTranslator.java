package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.generate.GenerationResult;
import org.layerskip.tokenizer.ChatTemplate;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.List;

/**
 * {@link GenerationRequest} in, {@link GenerationResponse} (text, ids, finish reason, timings,
 * acceptance statistics) out. Each request may override the translator's default options; chat
 * requests are rendered with the model's chat template; the text ends before the first stop string.
 *
 * <p>The tokenizer is optional: without one (a model folder with no {@code tokenizer.json}) only id
 * requests work and responses carry an empty text.
 *
 * <p>Thread-safe for the same reasons as {@link TextGenerationTranslator}.
 */
public final class GenerationRequestTranslator
        implements NoBatchifyTranslator<GenerationRequest, GenerationResponse> {

    /** The context attachment holding a request's stop strings between input and output. */
    static final String STOPS = "layerskip.stops";

    private final LlamaTokenizer tokenizer;
    private final ChatTemplate template;
    private final GenerationOptions defaults;

    /**
     * Creates the translator.
     *
     * @param tokenizer the tokenizer, or null for id-only use
     * @param defaults options that requests override
     */
    public GenerationRequestTranslator(LlamaTokenizer tokenizer, GenerationOptions defaults) {
        this(tokenizer, null, defaults);
    }

    /**
     * Creates the translator.
     *
     * @param tokenizer the tokenizer, or null for id-only use
     * @param template the chat template, or null (chat requests then fail clearly)
     * @param defaults options that requests override
     */
    public GenerationRequestTranslator(
            LlamaTokenizer tokenizer, ChatTemplate template, GenerationOptions defaults) {
        this.tokenizer = tokenizer;
        this.template = template;
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
        return encode(ctx, input, tokenizer, template, defaults);
    }

    /** {@inheritDoc} */
    @Override
    public GenerationResponse processOutput(TranslatorContext ctx, NDList list) {
        GenerationResult r = GenerationCodec.decodeResult(list);
        TextStreamListener text = new TextStreamListener(tokenizer, stops(ctx), null);
        for (long id : r.tokenIds()) {
            text.onToken(0, id, null);
        }
        text.finish();
        return new GenerationResponse(text.text(), r);
    }

    /** The block input of a request (shared with {@link GenerationStreamTranslator}). */
    static NDList encode(
            TranslatorContext ctx,
            GenerationRequest input,
            LlamaTokenizer tokenizer,
            ChatTemplate template,
            GenerationOptions defaults) {
        long[] ids = input.promptIds();
        if (ids == null) {
            if (tokenizer == null) {
                throw new IllegalArgumentException(
                        "this model has no tokenizer.json; send prompt ids"
                                + " (GenerationRequest.ofIds) instead of text");
            }
            if (input.messages() != null) {
                if (template == null) {
                    throw new IllegalArgumentException(
                            "this model has no chat template (chat_template in tokenizer_config.json);"
                                    + " send prompt text instead of messages");
                }
                ids = template.encode(tokenizer, input.messages());
            } else {
                ids = tokenizer.encode(input.prompt());
            }
        }
        if (!input.stop().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException("stop strings need the model's tokenizer.json");
        }
        ctx.setAttachment(STOPS, input.stop());
        GenerationOptions o = GenerationArguments.parse(input.overrides(), defaults);
        return GenerationCodec.encodeInput(ctx.getNDManager(), ids, o, input.stop());
    }

    @SuppressWarnings("unchecked")
    static List<String> stops(TranslatorContext ctx) {
        Object s = ctx.getAttachment(STOPS);
        return s == null ? List.of() : (List<String>) s;
    }
}
