package org.layerskip.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A model's chat template: the Jinja program in {@code tokenizer_config.json}'s {@code
 * chat_template} (or a {@code chat_template.jinja} file beside it) that turns a conversation into
 * the prompt text the model was tuned on, rendered the way Hugging Face's {@code
 * apply_chat_template} renders it: with {@code messages}, {@code bos_token}, {@code eos_token} and
 * {@code add_generation_prompt}, blocks trimmed ({@code trim_blocks}, {@code lstrip_blocks}), and a
 * {@code raise_exception(message)} function for templates that reject a conversation.
 *
 * <p>The Jinja engine is HubSpot's Jinjava (what Jlama uses too); a hand-written renderer would not
 * cover the filters, loops and Python string methods real templates use.
 *
 * <p>Token ids come from {@link #encode}: the rendered text is tokenized <em>without</em> the
 * tokenizer's own BOS (templates write {@code bos_token} themselves, as Hugging Face assumes), and
 * a BOS doubled by a template that writes it after the tokenizer already did is collapsed, so the
 * prompt never starts with two.
 *
 * <p>Thread-safe: rendering keeps no state between calls.
 */
public final class ChatTemplate {

    /** The file some Hugging Face repositories keep the template in instead of the config. */
    public static final String TEMPLATE_FILE = "chat_template.jinja";

    private static final int MAX_TEMPLATE_CHARS = 1 << 20;

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("the chat template is empty");
        }
        if (source.length() > MAX_TEMPLATE_CHARS) {
            throw new IllegalArgumentException("the chat template is larger than 1 MiB");
        }
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        JinjavaConfig config =
                JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition(
                                "",
                                "raise_exception",
                                ChatTemplate.class,
                                "raiseException",
                                String.class));
        jinjava.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition(
                                "",
                                "strftime_now",
                                ChatTemplate.class,
                                "strftimeNow",
                                String.class));
    }

    /**
     * Makes a template from its source.
     *
     * @param source the Jinja source
     * @param bosToken the text of BOS ({@code bos_token}), or null
     * @param eosToken the text of EOS ({@code eos_token}), or null
     * @return the template
     * @throws IllegalArgumentException for an empty or oversized template
     */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return new ChatTemplate(source, bosToken, eosToken);
    }

    /**
     * Reads a model folder's template: {@code chat_template.jinja} if present, else {@code
     * chat_template} of {@code tokenizer_config.json} (a string, or a list of named templates of
     * which {@code default} is taken), with its {@code bos_token}/{@code eos_token}.
     *
     * @param dir the model folder
     * @return the template, or empty when the model has none
     * @throws TokenizerException naming the file if it is malformed
     */
    public static Optional<ChatTemplate> read(Path dir) {
        Path configFile = dir.resolve(SpecialTokens.CONFIG_FILE);
        JsonObject config =
                Files.isRegularFile(configFile)
                        ? TokenizerJson.parseObject(configFile, TokenizerJson.readText(configFile))
                        : new JsonObject();
        String bos = tokenText(configFile, config.get("bos_token"), "bos_token");
        String eos = tokenText(configFile, config.get("eos_token"), "eos_token");
        Path file = dir.resolve(TEMPLATE_FILE);
        String source = null;
        if (Files.isRegularFile(file)) {
            source = TokenizerJson.readText(file);
        } else {
            source = templateOf(configFile, config.get("chat_template"));
        }
        if (source == null || source.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ChatTemplate(source, bos, eos));
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(configFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Renders a conversation to prompt text.
     *
     * @param messages the conversation, at least one message
     * @param addGenerationPrompt whether to end with the header of the assistant's turn
     * @return the prompt text
     * @throws IllegalArgumentException when the conversation is empty, the template rejects it
     *     ({@code raise_exception}) or the template fails
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            if (m == null) {
                throw new IllegalArgumentException("chat messages must not be null");
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("role", m.role());
            item.put("content", m.content());
            list.add(item);
        }
        Map<String, Object> context = new HashMap<>();
        context.put("messages", list);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult r;
        RAISED.remove();
        try {
            r = jinjava.renderForResult(source, context);
        } finally {
            String raised = RAISED.get();
            RAISED.remove();
            if (raised != null) {
                throw new IllegalArgumentException(
                        "the chat template rejects this conversation: " + raised);
            }
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("the chat template failed: " + e.getMessage());
            }
        }
        return r.getOutput();
    }

    /**
     * Renders a conversation (with the generation prompt) and tokenizes it: no tokenizer BOS on top
     * of the template's, never two BOS at the start.
     *
     * @param tokenizer the model's tokenizer
     * @param messages the conversation
     * @return the prompt ids
     */
    public long[] encode(LlamaTokenizer tokenizer, List<ChatMessage> messages) {
        long[] ids = tokenizer.encode(render(messages, true), false);
        if (tokenizer.bosTokenId().isPresent() && ids.length >= 2) {
            long bos = tokenizer.bosTokenId().getAsLong();
            int k = 0;
            while (k + 1 < ids.length && ids[k] == bos && ids[k + 1] == bos) {
                k++;
            }
            if (k > 0) {
                long[] out = new long[ids.length - k];
                System.arraycopy(ids, k, out, 0, out.length);
                return out;
            }
        }
        return ids;
    }

    /**
     * Returns the Jinja source.
     *
     * @return the template text
     */
    public String source() {
        return source;
    }

    /** The message of {@code raise_exception} (Jinjava reports a failed function without it). */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    /**
     * {@code raise_exception(message)} inside templates.
     *
     * @param message the template's message
     * @return never
     */
    public static String raiseException(String message) {
        RAISED.set(String.valueOf(message));
        throw new IllegalArgumentException(message);
    }

    /**
     * {@code strftime_now(format)} inside templates (Llama 3.1 writes today's date): the common
     * {@code strftime} fields.
     *
     * @param format a strftime pattern
     * @return the formatted current date
     */
    public static String strftimeNow(String format) {
        ZonedDateTime now = ZonedDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char f = format.charAt(++i);
            String p;
            switch (f) {
                case 'd':
                    p = "dd";
                    break;
                case 'm':
                    p = "MM";
                    break;
                case 'Y':
                    p = "yyyy";
                    break;
                case 'y':
                    p = "yy";
                    break;
                case 'b':
                    p = "MMM";
                    break;
                case 'B':
                    p = "MMMM";
                    break;
                case 'a':
                    p = "EEE";
                    break;
                case 'A':
                    p = "EEEE";
                    break;
                case 'H':
                    p = "HH";
                    break;
                case 'M':
                    p = "mm";
                    break;
                case 'S':
                    p = "ss";
                    break;
                default:
                    p = null;
                    break;
            }
            sb.append(
                    p == null
                            ? "%" + f
                            : now.format(DateTimeFormatter.ofPattern(p, Locale.ENGLISH)));
        }
        return sb.toString();
    }

    private static String templateOf(Path file, JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            String first = null;
            for (JsonElement item : e.getAsJsonArray()) {
                if (!item.isJsonObject()
                        || !item.getAsJsonObject().has("template")
                        || !item.getAsJsonObject().get("template").isJsonPrimitive()) {
                    throw new TokenizerException(
                            file
                                    + ": chat_template entries must be {\"name\": ..., \"template\": ...}");
                }
                JsonObject o = item.getAsJsonObject();
                String t = o.get("template").getAsString();
                JsonElement name = o.get("name");
                if (name != null
                        && name.isJsonPrimitive()
                        && "default".equals(name.getAsString())) {
                    return t;
                }
                first = first == null ? t : first;
            }
            return first;
        }
        throw new TokenizerException(
                file + ": chat_template must be a string or a list of named templates");
    }

    private static String tokenText(Path file, JsonElement e, String key) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        throw new TokenizerException(file + ": " + key + " must be a string, got " + e);
    }
}
