package org.layerskip.tokenizer;

import org.layerskip.config.ConfigException;
import org.layerskip.config.HfConfigJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A Llama-family tokenizer: a Hugging Face {@code tokenizer.json} run by the native {@code
 * tokenizers} library (DJL's {@code HuggingFaceTokenizer}), plus the BOS/EOS rules of {@code
 * tokenizer_config.json}; in a model folder, the EOS ids are the model's ({@link #eosTokenIds()}).
 *
 * <p>Loaded only from local files, never from the hub. Truncation and padding are off: DJL would
 * otherwise silently cut every input to 512 tokens. The native post-processor is not used; the
 * special ids are added here, so BOS appears exactly once whether it comes from {@code
 * add_bos_token} or from a {@code TemplateProcessing} post-processor (see {@link SpecialTokens} for
 * the rules).
 *
 * <p>A hostile {@code tokenizer.json} cannot take the JVM down: the native library runs in this JVM
 * only for definitions whose regexes are known to be linear-time and for texts of at most {@link
 * #MAX_IN_PROCESS_CHARS} characters; anything else runs in a child process, where a native panic or
 * hang becomes a {@link TokenizerException} (see {@link TokenizerIsolation}).
 *
 * <p>On a host with a CUDA GPU, set {@code -Dai.djl.offline=true} (or {@code RUST_FLAVOR=cpu}):
 * otherwise DJL tries to download a CUDA build of the native tokenizer library.
 *
 * <p>Instances hold a native handle (or a handle in the child process): close them. Encoding and
 * decoding are thread-safe (serialised when isolated); a {@link StreamingDecoder} is not.
 */
public final class LlamaTokenizer implements AutoCloseable {

    /** File name of the Hugging Face tokenizer definition. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /**
     * Longest text the native tokenizer encodes in this JVM (2^20 characters, far beyond any Llama
     * context); longer texts go to the child process. A run of about 9 million whitespace
     * characters already makes the Llama 3 split regex exceed Oniguruma's backtracking limit, which
     * aborts the process ({@link SafeRegexes}).
     */
    public static final int MAX_IN_PROCESS_CHARS = 1 << 20;

    /** Alignment up to which a model's vocabulary may exceed its tokenizer's. */
    public static final int VOCAB_PADDING = 128;

    private final Path file;
    private final String json;
    private final String[] idToToken;
    private final SpecialTokens specials;
    private final TokenizerIsolation isolation;
    private final List<TokenizerJson.Regex> unsafeRegexes;

    /** Null when the definition may not run in this JVM. */
    private final TokenizerBackend inProcess;

    /** Created on first need; guarded by this. */
    private TokenizerBackend isolated;

    private boolean closed;

    private LlamaTokenizer(
            TokenizerJson json,
            SpecialTokens specials,
            TokenizerIsolation isolation,
            List<TokenizerJson.Regex> unsafeRegexes,
            TokenizerBackend inProcess,
            TokenizerBackend isolated) {
        this.file = json.file;
        this.json = json.text;
        this.idToToken = json.idToToken;
        this.specials = specials;
        this.isolation = isolation;
        this.unsafeRegexes = unsafeRegexes;
        this.inProcess = inProcess;
        this.isolated = isolated;
    }

    /**
     * Loads a tokenizer from a folder holding {@code tokenizer.json} (and optionally {@code
     * tokenizer_config.json}), or from a {@code tokenizer.json} file (its sibling {@code
     * tokenizer_config.json} is used when present), with the isolation of {@link
     * TokenizerIsolation#fromSystemProperty()} (by default {@link TokenizerIsolation#AUTO}).
     *
     * @param dirOrFile the folder or the {@code tokenizer.json} file
     * @return the tokenizer; close it when done
     * @throws TokenizerException naming the file, if a file is missing, unreadable or malformed
     */
    public static LlamaTokenizer load(Path dirOrFile) {
        return load(dirOrFile, TokenizerIsolation.fromSystemProperty());
    }

    /**
     * Loads a tokenizer (see {@link #load(Path)}) with the given isolation.
     *
     * @param dirOrFile the folder or the {@code tokenizer.json} file
     * @param isolation where the native tokenizer may run
     * @return the tokenizer; close it when done
     * @throws TokenizerException naming the file, if a file is missing, unreadable or malformed,
     *     the native library rejects it, or (with {@link TokenizerIsolation#IN_PROCESS}) it has a
     *     regex that is not known to be safe
     */
    public static LlamaTokenizer load(Path dirOrFile, TokenizerIsolation isolation) {
        if (dirOrFile == null || isolation == null) {
            throw new IllegalArgumentException("path and isolation must not be null");
        }
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(TOKENIZER_FILE) : dirOrFile;
        Path dir = file.toAbsolutePath().getParent();
        TokenizerJson json = TokenizerJson.read(file);
        SpecialTokens specials =
                SpecialTokens.resolve(json, dir.resolve(SpecialTokens.CONFIG_FILE));
        try {
            Optional<List<Integer>> modelEos = HfConfigJson.eosTokenIds(dir);
            if (modelEos.isPresent()) {
                specials =
                        specials.withEos(modelEos.get().stream().map(Integer::longValue).toList());
            }
        } catch (ConfigException e) {
            throw new TokenizerException(e.getMessage(), e);
        }
        List<TokenizerJson.Regex> unsafe =
                json.regexes.stream().filter(r -> !SafeRegexes.isSafe(r.pattern())).toList();
        if (isolation == TokenizerIsolation.IN_PROCESS && !unsafe.isEmpty()) {
            throw new TokenizerException(
                    file
                            + ": regex "
                            + unsafe.get(0).describe()
                            + " is not known to run in bounded time, and the native tokenizer may"
                            + " run only in this process (-D"
                            + TokenizerIsolation.PROPERTY
                            + "=in-process); use auto or child-process to run it isolated");
        }
        boolean inThisJvm = isolation != TokenizerIsolation.CHILD_PROCESS && unsafe.isEmpty();
        try {
            TokenizerBackend backend =
                    inThisJvm ? InProcessBackend.load(json.text) : IsolatedBackend.load(json.text);
            return inThisJvm
                    ? new LlamaTokenizer(json, specials, isolation, unsafe, backend, null)
                    : new LlamaTokenizer(json, specials, isolation, unsafe, null, backend);
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage() + hint(unsafe, e), e);
        }
    }

    /**
     * Returns whether the native tokenizer runs in a child process for this definition (always for
     * texts longer than {@link #MAX_IN_PROCESS_CHARS}, unless {@link
     * TokenizerIsolation#IN_PROCESS}).
     *
     * @return true if every call goes to the child process
     */
    public boolean isIsolated() {
        return inProcess == null;
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
            body = backendFor(text.length()).encode(text);
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage() + hint(unsafeRegexes, e), e);
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
            return backendFor(0).decode(ids, skipSpecialTokens);
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage() + hint(unsafeRegexes, e), e);
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
     * Checks this tokenizer against a model's vocabulary ({@code vocab_size} in {@code
     * config.json}): every id the tokenizer produces must be one the model has, and every id the
     * model can generate one the tokenizer can decode, except for padding of the model's table up
     * to the next multiple of {@value #VOCAB_PADDING} (a common alignment of embedding tables).
     *
     * @param modelVocabSize the model's vocabulary size
     * @throws TokenizerException naming the file if they do not belong together
     */
    public void checkModelVocabulary(int modelVocabSize) {
        int n = idToToken.length;
        int padded =
                (int)
                        Math.min(
                                Integer.MAX_VALUE,
                                ((long) n + VOCAB_PADDING - 1) / VOCAB_PADDING * VOCAB_PADDING);
        if (n > modelVocabSize) {
            throw new TokenizerException(
                    file
                            + ": the tokenizer has "
                            + n
                            + " token ids but the model's vocab_size is "
                            + modelVocabSize
                            + " (config.json): it would produce ids the model does"
                            + " not have");
        }
        if (modelVocabSize > padded) {
            throw new TokenizerException(
                    file
                            + ": the tokenizer has "
                            + n
                            + " token ids but the model's vocab_size is "
                            + modelVocabSize
                            + " (config.json): the model could generate ids the"
                            + " tokenizer cannot decode");
        }
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
     * Returns the end-of-sequence ids. In a model folder (one with {@code config.json} or a {@code
     * generation_config.json} that names them) these are the model's, the ids generation stops on
     * ({@link HfConfigJson#eosTokenIds}: {@code generation_config.json}, else {@code config.json}),
     * so that tokenizer and model agree: for Llama 3.2, {@code [128001, 128008, 128009]} where
     * {@code tokenizer_config.json}'s {@code eos_token} names only 128001. In a folder with the
     * tokenizer files only, the {@code eos_token} of {@code tokenizer_config.json}.
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

    /** Releases the native tokenizer (and its share of the child process). */
    @Override
    public void close() {
        TokenizerBackend child;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            child = isolated;
            isolated = null;
        }
        if (inProcess != null) {
            inProcess.close();
        }
        if (child != null) {
            child.close();
        }
    }

    /** The backend for a text of {@code chars} characters. */
    private TokenizerBackend backendFor(int chars) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(file + ": the tokenizer is closed");
            }
            if (inProcess != null && chars <= MAX_IN_PROCESS_CHARS) {
                return inProcess;
            }
            if (isolation == TokenizerIsolation.IN_PROCESS) {
                throw new TokenizerException(
                        "a text of "
                                + chars
                                + " characters is longer than the "
                                + MAX_IN_PROCESS_CHARS
                                + " the native tokenizer may take in this process (-D"
                                + TokenizerIsolation.PROPERTY
                                + "=in-process)");
            }
            if (isolated == null) {
                isolated = IsolatedBackend.load(json);
            }
            return isolated;
        }
    }

    /** After a native crash or hang: names the unsafe regexes, its likely cause. */
    private static String hint(List<TokenizerJson.Regex> unsafe, TokenizerException e) {
        if (unsafe.isEmpty() || !e.getMessage().startsWith(WorkerClient.NATIVE_FAILURE)) {
            return "";
        }
        return "; the file's regex "
                + unsafe.get(0).describe()
                + (unsafe.size() > 1 ? " (and " + (unsafe.size() - 1) + " more)" : "")
                + " may backtrack catastrophically";
    }

    void checkId(long id) {
        if (id < 0 || id >= idToToken.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " out of range [0, " + idToToken.length + ")");
        }
    }
}
