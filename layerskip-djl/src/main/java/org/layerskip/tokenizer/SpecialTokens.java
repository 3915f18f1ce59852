package org.layerskip.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Which special ids {@link LlamaTokenizer#encode(String)} adds, and which ids are BOS and EOS.
 *
 * <p>Resolution rules (the native post-processor is never run, so BOS is added exactly once):
 *
 * <ul>
 *   <li>BOS/EOS names come from {@code bos_token}/{@code eos_token} in {@code
 *       tokenizer_config.json} (a string or {@code {"content": ...}}); without a config file, from
 *       the special tokens the {@code tokenizer.json} {@code TemplateProcessing} post-processor
 *       puts before/after the text.
 *   <li>Adding BOS: {@code add_bos_token} when present; otherwise the post-processor's prefix if it
 *       has one, else BOS whenever the config names a {@code bos_token} (the Llama convention, also
 *       Hugging Face's {@code LlamaTokenizer} default).
 *   <li>Adding EOS: {@code add_eos_token} when present; otherwise the post-processor's suffix.
 * </ul>
 *
 * @param bos the BOS id, if known
 * @param eos the EOS ids (possibly empty)
 * @param prefix ids put before the text by {@code encode(text, true)}
 * @param suffix ids put after the text by {@code encode(text, true)}
 */
record SpecialTokens(OptionalLong bos, List<Long> eos, List<Long> prefix, List<Long> suffix) {

    /** File name of the Hugging Face tokenizer configuration. */
    static final String CONFIG_FILE = "tokenizer_config.json";

    SpecialTokens {
        eos = List.copyOf(eos);
        prefix = List.copyOf(prefix);
        suffix = List.copyOf(suffix);
    }

    /**
     * Returns these tokens with the model's EOS ids (what generation stops on) in place of the
     * configuration's {@code eos_token}; what {@code encode} adds is unchanged.
     *
     * @param modelEos the model folder's EOS ids
     * @return the tokens
     */
    SpecialTokens withEos(List<Long> modelEos) {
        return new SpecialTokens(bos, modelEos, prefix, suffix);
    }

    /**
     * Resolves the special tokens of a tokenizer.
     *
     * @param json the parsed {@code tokenizer.json}
     * @param configFile the {@code tokenizer_config.json}, which may not exist
     * @return the resolved special tokens
     */
    static SpecialTokens resolve(TokenizerJson json, Path configFile) {
        if (!Files.isRegularFile(configFile)) {
            OptionalLong bos =
                    json.templatePrefix.isEmpty()
                            ? OptionalLong.empty()
                            : OptionalLong.of(json.templatePrefix.get(0));
            return new SpecialTokens(
                    bos, json.templateSuffix, json.templatePrefix, json.templateSuffix);
        }
        JsonObject config =
                TokenizerJson.parseObject(configFile, TokenizerJson.readText(configFile));
        List<Long> bosIds = idsOf(json, configFile, config.get("bos_token"), "bos_token");
        List<Long> eos = idsOf(json, configFile, config.get("eos_token"), "eos_token");
        OptionalLong bos = bosIds.isEmpty() ? OptionalLong.empty() : OptionalLong.of(bosIds.get(0));

        List<Long> prefix;
        Boolean addBos = flag(configFile, config, "add_bos_token");
        if (addBos == null) {
            prefix = json.templatePrefix.isEmpty() ? bosIds : json.templatePrefix;
        } else {
            prefix = addBos ? require(bosIds, configFile, "add_bos_token", "bos_token") : List.of();
        }
        List<Long> suffix;
        Boolean addEos = flag(configFile, config, "add_eos_token");
        if (addEos == null) {
            suffix = json.templateSuffix;
        } else {
            suffix = addEos ? require(eos, configFile, "add_eos_token", "eos_token") : List.of();
        }
        return new SpecialTokens(bos, eos, prefix, suffix);
    }

    private static Boolean flag(Path file, JsonObject config, String key) {
        JsonElement e = config.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new TokenizerException(file + ": " + key + " must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    private static List<Long> require(List<Long> ids, Path file, String flag, String name) {
        if (ids.isEmpty()) {
            throw new TokenizerException(file + ": " + flag + " is true but " + name + " is unset");
        }
        return ids.subList(0, 1);
    }

    /** Maps a token name (string, {@code {"content": ...}}, list of those, or null) to ids. */
    private static List<Long> idsOf(TokenizerJson json, Path file, JsonElement e, String key) {
        List<Long> ids = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return ids;
        }
        if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                ids.addAll(idsOf(json, file, item, key));
            }
            return ids;
        }
        String name;
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            name = e.getAsJsonObject().get("content").getAsString();
        } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            name = e.getAsString();
        } else {
            throw new TokenizerException(file + ": " + key + " must be a string, got " + e);
        }
        Long id = json.tokenToId.get(name);
        if (id == null) {
            throw new TokenizerException(
                    file + ": " + key + " '" + name + "' is not in " + json.file.getFileName());
        }
        ids.add(id);
        return ids;
    }
}
