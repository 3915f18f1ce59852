package org.layerskip.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this package needs from a Hugging Face {@code tokenizer.json}, read with Gson before the
 * text is handed to the native library: the id-to-token table ({@code model.vocab} plus {@code
 * added_tokens}), the special tokens that the {@code TemplateProcessing} post-processor (alone or
 * inside a {@code Sequence}) puts before and after a single sequence, and every regex the native
 * library would run (which decides where it may run, see {@link TokenizerIsolation}).
 */
final class TokenizerJson {

    /** Largest accepted vocabulary; guards the id table from hostile files. */
    static final int MAX_VOCAB = 1 << 24;

    /** Largest accepted file (real ones are under 20 MB); guards the heap from hostile files. */
    static final long MAX_FILE_BYTES = 256L << 20;

    final Path file;
    final String text;
    final String[] idToToken;
    final Map<String, Long> tokenToId;
    final List<Long> templatePrefix;
    final List<Long> templateSuffix;
    final List<Regex> regexes;

    /**
     * A regular expression the native library will compile and run.
     *
     * @param where its place in the file, e.g. {@code pre_tokenizer.pretokenizers[0].pattern}
     * @param pattern the pattern (a non-string value as its JSON text)
     */
    record Regex(String where, String pattern) {

        /** Returns the pattern and its place, shortened for a message. */
        String describe() {
            String p = pattern.length() > 60 ? pattern.substring(0, 60) + "..." : pattern;
            return "'" + p + "' (" + where + ")";
        }
    }

    /** The parts of tokenizer.json that can hold regexes ({@code {"Regex": "..."}} patterns). */
    private static final List<String> REGEX_SECTIONS =
            List.of("normalizer", "pre_tokenizer", "post_processor", "decoder");

    private TokenizerJson(
            Path file,
            String text,
            String[] idToToken,
            Map<String, Long> tokenToId,
            List<Long> templatePrefix,
            List<Long> templateSuffix,
            List<Regex> regexes) {
        this.file = file;
        this.text = text;
        this.idToToken = idToToken;
        this.tokenToId = tokenToId;
        this.templatePrefix = templatePrefix;
        this.templateSuffix = templateSuffix;
        this.regexes = regexes;
    }

    /**
     * Reads and validates a {@code tokenizer.json}.
     *
     * @param file the file
     * @return its parsed contents
     * @throws TokenizerException naming the file if it is missing, unreadable or malformed
     */
    static TokenizerJson read(Path file) {
        String text = readText(file);
        try {
            JsonObject root = parseObject(file, text);
            JsonElement model = root.get("model");
            if (model == null || !model.isJsonObject()) {
                throw new TokenizerException(file + ": missing \"model\" object");
            }
            Map<String, Long> tokenToId = new HashMap<>();
            long maxId = readVocab(file, model.getAsJsonObject().get("vocab"), tokenToId);
            JsonElement added = root.get("added_tokens");
            if (added != null && added.isJsonArray()) {
                for (JsonElement e : added.getAsJsonArray()) {
                    JsonObject t = e.getAsJsonObject();
                    long id = checkId(file, t.get("id").getAsLong());
                    tokenToId.put(t.get("content").getAsString(), id);
                    maxId = Math.max(maxId, id);
                }
            }
            checkUnknownToken(file, model.getAsJsonObject(), tokenToId, maxId);
            String[] idToToken = new String[(int) (maxId + 1)];
            for (Map.Entry<String, Long> e : tokenToId.entrySet()) {
                idToToken[e.getValue().intValue()] = e.getKey();
            }
            List<Long> prefix = new ArrayList<>();
            List<Long> suffix = new ArrayList<>();
            JsonObject template = findTemplate(root.get("post_processor"));
            if (template != null) {
                readTemplate(template, prefix, suffix);
            }
            List<Regex> regexes = new ArrayList<>();
            for (String section : REGEX_SECTIONS) {
                findRegexes(root.get(section), section, regexes);
            }
            return new TokenizerJson(
                    file,
                    text,
                    idToToken,
                    tokenToId,
                    Collections.unmodifiableList(prefix),
                    Collections.unmodifiableList(suffix),
                    Collections.unmodifiableList(regexes));
        } catch (IllegalStateException
                | ClassCastException
                | NullPointerException
                | UnsupportedOperationException
                | NumberFormatException e) {
            throw new TokenizerException(file + ": malformed tokenizer.json (" + e + ")", e);
        }
    }

    static String readText(Path file) {
        // never open a FIFO (blocks) or a device (endless): tell what the path is instead
        if (Files.isDirectory(file)) {
            throw new TokenizerException(file + ": is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new TokenizerException(
                    file + ": is not a regular file (a FIFO, a device or a socket)");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new TokenizerException(
                        file + ": " + size + " bytes is too large (limit " + MAX_FILE_BYTES + ")");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": file not found");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static JsonObject parseObject(Path file, String text) {
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new TokenizerException(file + ": not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TokenizerException(file + ": invalid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Fills {@code tokenToId} from a WordLevel/BPE/WordPiece map or a Unigram list. */
    private static long readVocab(Path file, JsonElement vocab, Map<String, Long> tokenToId) {
        long maxId = -1;
        if (vocab != null && vocab.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                long id = checkId(file, e.getValue().getAsLong());
                tokenToId.put(e.getKey(), id);
                maxId = Math.max(maxId, id);
            }
        } else if (vocab != null && vocab.isJsonArray()) {
            JsonArray pieces = vocab.getAsJsonArray();
            for (int i = 0; i < pieces.size(); i++) {
                tokenToId.put(pieces.get(i).getAsJsonArray().get(0).getAsString(), (long) i);
            }
            maxId = checkId(file, pieces.size() - 1L);
        } else {
            throw new TokenizerException(file + ": missing \"model.vocab\"");
        }
        if (maxId < 0) {
            throw new TokenizerException(file + ": empty vocabulary");
        }
        return maxId;
    }

    /**
     * The unknown token must exist: the native library accepts a missing one at load time and fails
     * only when encoding meets an unknown word.
     */
    private static void checkUnknownToken(
            Path file, JsonObject model, Map<String, Long> tokenToId, long maxId) {
        JsonElement unk = model.get("unk_token");
        if (unk != null && !unk.isJsonNull()) {
            if (!unk.isJsonPrimitive() || !unk.getAsJsonPrimitive().isString()) {
                throw new TokenizerException(file + ": model.unk_token must be a string or null");
            }
            if (!tokenToId.containsKey(unk.getAsString())) {
                throw new TokenizerException(
                        file
                                + ": model.unk_token '"
                                + unk.getAsString()
                                + "' is not in the vocabulary");
            }
        }
        JsonElement unkId = model.get("unk_id");
        if (unkId != null && !unkId.isJsonNull()) {
            long id = unkId.getAsLong();
            if (id < 0 || id > maxId) {
                throw new TokenizerException(file + ": model.unk_id " + id + " is out of range");
            }
        }
    }

    /** Collects every {@code "Regex"} member below {@code e}; {@code where} is e's path. */
    private static void findRegexes(JsonElement e, String where, List<Regex> out) {
        if (e == null) {
            return;
        }
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                findRegexes(a.get(i), where + "[" + i + "]", out);
            }
        } else if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                if (m.getKey().equals("Regex")) {
                    JsonElement v = m.getValue();
                    boolean isString = v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
                    out.add(new Regex(where, isString ? v.getAsString() : v.toString()));
                } else {
                    findRegexes(m.getValue(), where + "." + m.getKey(), out);
                }
            }
        }
    }

    private static long checkId(Path file, long id) {
        if (id < 0 || id >= MAX_VOCAB) {
            throw new TokenizerException(file + ": token id " + id + " out of range");
        }
        return id;
    }

    private static JsonObject findTemplate(JsonElement processor) {
        if (processor == null || !processor.isJsonObject()) {
            return null;
        }
        JsonObject p = processor.getAsJsonObject();
        String type = p.has("type") ? p.get("type").getAsString() : "";
        if ("TemplateProcessing".equals(type)) {
            return p;
        }
        if ("Sequence".equals(type) && p.has("processors")) {
            for (JsonElement child : p.getAsJsonArray("processors")) {
                JsonObject found = findTemplate(child);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Splits the template's {@code single} pieces into the special ids before and after "A". */
    private static void readTemplate(JsonObject template, List<Long> prefix, List<Long> suffix) {
        JsonObject specials =
                template.has("special_tokens")
                        ? template.getAsJsonObject("special_tokens")
                        : new JsonObject();
        boolean seenSequence = false;
        for (JsonElement piece : template.getAsJsonArray("single")) {
            JsonObject p = piece.getAsJsonObject();
            if (p.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            if (!p.has("SpecialToken")) {
                continue;
            }
            String name = p.getAsJsonObject("SpecialToken").get("id").getAsString();
            JsonObject special = specials.getAsJsonObject(name);
            if (special == null) {
                continue;
            }
            for (JsonElement id : special.getAsJsonArray("ids")) {
                (seenSequence ? suffix : prefix).add(id.getAsLong());
            }
        }
    }
}
