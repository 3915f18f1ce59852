package org.layerskip.translate;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import org.layerskip.generate.GenerationOptions;
import org.layerskip.tokenizer.LlamaTokenizer;

import java.util.Arrays;

/**
 * Text in, generated text out, with options fixed when the translator is made (the factory's
 * arguments, see {@link GenerationArguments}). Works with a {@link GenerationBlock}.
 *
 * <p>The prompt is encoded with BOS as the tokenizer configuration asks. The output text is the
 * decoding of the generated ids with special tokens skipped; ids the tokenizer does not know (a
 * model whose embedding table is larger than its tokenizer's vocabulary, as with padded
 * vocabularies or the tiny test models) are left out of the text, as Hugging Face's fast tokenizers
 * do. The ids themselves are always available through {@link GenerationRequestTranslator}.
 *
 * <p>Thread-safe: a {@code ZooModel} shares one translator among all its predictors; this one holds
 * only immutable options and a tokenizer whose encode/decode are safe to call concurrently.
 */
public final class TextGenerationTranslator implements NoBatchifyTranslator<String, String> {

    private final LlamaTokenizer tokenizer;
    private final GenerationOptions options;

    /**
     * Creates the translator.
     *
     * @param tokenizer the tokenizer
     * @param options the options of every request
     */
    public TextGenerationTranslator(LlamaTokenizer tokenizer, GenerationOptions options) {
        this.tokenizer = tokenizer;
        this.options = options;
    }

    /**
     * Returns the options used for every request.
     *
     * @return the options
     */
    public GenerationOptions getOptions() {
        return options;
    }

    /** {@inheritDoc} */
    @Override
    public NDList processInput(TranslatorContext ctx, String input) {
        return GenerationCodec.encodeInput(ctx.getNDManager(), tokenizer.encode(input), options);
    }

    /** {@inheritDoc} */
    @Override
    public String processOutput(TranslatorContext ctx, NDList list) {
        return decodeKnown(tokenizer, list.get(0).toLongArray());
    }

    /**
     * Decodes ids to text, skipping special tokens and ids outside the tokenizer's vocabulary.
     *
     * @param tokenizer the tokenizer
     * @param ids generated ids
     * @return the text
     */
    public static String decodeKnown(LlamaTokenizer tokenizer, long[] ids) {
        int v = tokenizer.vocabSize();
        long[] known = Arrays.stream(ids).filter(id -> id >= 0 && id < v).toArray();
        return tokenizer.decode(known);
    }
}
