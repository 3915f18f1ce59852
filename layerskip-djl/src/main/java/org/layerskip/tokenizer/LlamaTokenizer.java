package org.layerskip.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A Llama-family tokenizer: a Hugging Face {@code tokenizer.json} run by the native {@code
 * tokenizers} library (DJL's {@link HuggingFaceTokenizer}), plus the BOS/EOS rules of {@code
 * tokenizer_config.json}.
 *
 * <p>Loaded only from local files, never from the hub. Truncation and padding are off: DJL would
 * otherwise silently cut every input to 512 tokens. The native post-processor is not used; the
 * special ids are added here, so BOS appears exactly once whether it comes from {@code
 * add_bos_token} or from a {@code TemplateProcessing} post-processor (see {@link SpecialTokens} for
 * the rules).
 *
 * <p>On a host with a CUDA GPU, set {@code -Dai.djl.offline=true} (or {@code RUST_FLAVOR=cpu}):
 * otherwise DJL tries to download a CUDA build of the native tokenizer library.
 *
 * <p>Instances hold a native handle: close them. Encoding and decoding are thread-safe; a {@link
 * StreamingDecoder} is not.
 */
public final class LlamaTokenizer implements AutoCloseable {

    /** File name of the Hugging Face tokenizer definition. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final String[] idToToken;
    private final SpecialTokens specials;

    private LlamaTokenizer(
            HuggingFaceTokenizer tokenizer, String[] idToToken, SpecialTokens specials) {
        this.tokenizer = tokenizer;
        this.idToToken = idToToken;
        this.specials = specials;
    }

    /**
     * Loads a tokenizer from a folder holding {@code tokenizer.json} (and optionally {@code
     * tokenizer_config.json}), or from a {@code tokenizer.json} file (its sibling {@code
     * tokenizer_config.json} is used when present).
     *
     * @param dirOrFile the folder or the {@code tokenizer.json} file
     * @return the tokenizer; close it when done
     * @throws TokenizerException naming the file, if a file is missing, unreadable or malformed
     */
    public static LlamaTokenizer load(Path dirOrFile) {
        if (dirOrFile == null) {
            throw new IllegalArgumentException("path must not be null");
        }
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(TOKENIZER_FILE) : dirOrFile;
        Path dir = file.toAbsolutePath().getParent();
        TokenizerJson json = TokenizerJson.read(file);
        SpecialTokens specials = SpecialTokens.resolve(json, dir.resolve(SpecialTokens.CONFIG_FILE));
        byte[] bytes = json.text.getBytes(StandardCharsets.UTF_8);
        HuggingFaceTokenizer hf;
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            hf = HuggingFaceTokenizer.newInstance(in, OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(
                    file + ": rejected by the tokenizers library (" + e.getMessage() + ")", e);
        }
        return new LlamaTokenizer(hf, json.idToToken, specials);
    }

    /**
     * Encodes text, adding BOS/EOS as the tokenizer configuration asks (for Llama: BOS only).
     *
     * @param text the text
     * @return the token ids
     */
    public long[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes text. Special-token text inside {@code text} (e.g. {@code "<s>"}) is still matched,
     * as in Hugging Face {@code tokenizers}.
     *
     * @param text the text
     * @param addSpecialTokens whether to add the configured BOS/EOS ids
     * @return the token ids; never truncated
     */
    public long[] encode(String text, boolean addSpecialTokens) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        long[] body;
        try {
            body = tokenizer.encode(text, false, false).getIds();
        } catch (RuntimeException e) {
            // the native library reports problems of the tokenizer definition only when encoding
            throw new TokenizerException("the tokenizer cannot encode this text (" + e.getMessage() + ")", e);
        }
        if (!addSpecialTokens) {
            return body;
        }
        List<Long> prefix = specials.prefix();
        List<Long> suffix = specials.suffix();
        long[] ids = new long[prefix.size() + body.length + suffix.size()];
        for (int i = 0; i < prefix.size(); i++) {
            ids[i] = prefix.get(i);
        }
        System.arraycopy(body, 0, ids, prefix.size(), body.length);
        for (int i = 0; i < suffix.size(); i++) {
            ids[prefix.size() + body.length + i] = suffix.get(i);
        }
        return ids;
    }

    /**
     * Decodes ids to text, skipping special tokens (BOS, EOS, ...).
     *
     * @param ids the token ids
     * @return the text
     * @throws IllegalArgumentException if an id is negative or not below {@link #vocabSize()}
     */
    public String decode(long[] ids) {
        return decode(ids, true);
    }

    /**
     * Decodes ids to text.
     *
     * @param ids the token ids
     * @param skipSpecialTokens whether to leave special tokens out of the text
     * @return the text
     * @throws IllegalArgumentException if an id is negative or not below {@link #vocabSize()}
     */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        if (ids == null) {
            throw new IllegalArgumentException("ids must not be null");
        }
        for (long id : ids) {
            checkId(id);
        }
        try {
            return tokenizer.decode(ids, skipSpecialTokens);
        } catch (RuntimeException e) {
            throw new TokenizerException("the tokenizer cannot decode these ids (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Returns the number of token ids: one more than the largest id in {@code model.vocab} and
     * {@code added_tokens} of {@code tokenizer.json} (e.g. 128256 for Llama 3).
     *
     * @return the vocabulary size
     */
    public int vocabSize() {
        return idToToken.length;
    }

    /**
     * Returns the beginning-of-sequence id named by the configuration.
     *
     * @return the BOS id, or empty if the tokenizer has none
     */
    public OptionalLong bosTokenId() {
        return specials.bos();
    }

    /**
     * Returns the end-of-sequence ids named by the configuration ({@code eos_token}).
     *
     * @return the EOS ids, possibly empty; unmodifiable
     */
    public List<Long> eosTokenIds() {
        return specials.eos();
    }

    /**
     * Returns the vocabulary entry of an id, as written in {@code tokenizer.json} (e.g. {@code
     * "▁Hello"}, {@code "<0xE2>"} or {@code "Ġworld"}).
     *
     * @param id the token id
     * @return the token string
     * @throws IllegalArgumentException if the id is out of range or has no token
     */
    public String idToToken(long id) {
        checkId(id);
        String token = idToToken[(int) id];
        if (token == null) {
            throw new IllegalArgumentException("token id " + id + " has no vocabulary entry");
        }
        return token;
    }

    /**
     * Creates an incremental detokenizer that skips special tokens.
     *
     * @return a new decoder
     */
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this, true);
    }

    /**
     * Creates an incremental detokenizer.
     *
     * @param skipSpecialTokens whether to leave special tokens out of the text
     * @return a new decoder
     */
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** Releases the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }

    void checkId(long id) {
        if (id < 0 || id >= idToToken.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " out of range [0, " + idToToken.length + ")");
        }
    }
}
