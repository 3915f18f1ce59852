package org.layerskip.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The native tokenizer in this JVM; only for definitions and texts that cannot make it panic (see
 * {@link TokenizerIsolation#AUTO}).
 */
final class InProcessBackend implements TokenizerBackend {

    /** DJL would otherwise cut every input to 512 tokens and pad batches. */
    static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;

    private InProcessBackend(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Loads a definition.
     *
     * @param json the text of tokenizer.json
     * @return the backend
     * @throws TokenizerException if the native library rejects it
     */
    static InProcessBackend load(String json) {
        try (InputStream in = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            return new InProcessBackend(HuggingFaceTokenizer.newInstance(in, OPTIONS));
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(
                    "rejected by the tokenizers library (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public long[] encode(String text) {
        try {
            return tokenizer.encode(text, false, false).getIds();
        } catch (RuntimeException e) {
            // the native library reports problems of the tokenizer definition only when encoding
            throw new TokenizerException(
                    "the tokenizer cannot encode this text (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String decode(long[] ids, boolean skipSpecialTokens) {
        try {
            return tokenizer.decode(ids, skipSpecialTokens);
        } catch (RuntimeException e) {
            throw new TokenizerException(
                    "the tokenizer cannot decode these ids (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
