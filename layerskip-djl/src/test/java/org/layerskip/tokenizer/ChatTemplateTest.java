package org.layerskip.tokenizer;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Chat templates render what Python's Jinja2 renders for Hugging Face's {@code apply_chat_template}
 * (the expected strings below were produced by jinja2 3.1.6 with {@code trim_blocks}/{@code
 * lstrip_blocks}, the environment Transformers uses), and prompts never start with two BOS.
 */
public class ChatTemplateTest {

    private static final List<ChatMessage> CONVERSATION =
            List.of(
                    ChatMessage.system("Be brief. "),
                    ChatMessage.user("  Hi there\n"),
                    ChatMessage.assistant("Hello!"),
                    ChatMessage.user("Sum 2+2?"));

    @Test
    public void llama3TemplateRendersLikeJinja2() {
        ChatTemplate t = ChatTemplate.read(TokenizerFixtures.real("llama3")).orElseThrow();
        Assert.assertEquals(
                t.render(CONVERSATION, true),
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nSum 2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    public void llama3PromptHasExactlyOneBos() {
        Path dir = TokenizerFixtures.real("llama3");
        try (LlamaTokenizer tok = LlamaTokenizer.load(dir)) {
            ChatTemplate t = ChatTemplate.read(dir).orElseThrow();
            long bos = tok.bosTokenId().getAsLong();
            long[] ids = t.encode(tok, CONVERSATION);
            Assert.assertEquals(ids[0], bos);
            Assert.assertNotEquals(ids[1], bos);
            // what a naive encode (tokenizer BOS + the template's) would give
            long[] naive = tok.encode(t.render(CONVERSATION, true));
            Assert.assertEquals(naive[0], bos);
            Assert.assertEquals(naive[1], bos);
            Assert.assertEquals(naive.length, ids.length + 1);
        }
    }

    @Test
    public void llama2TemplateRendersLikeJinja2AndRejectsBadTurns() throws Exception {
        Path file =
                Path.of(
                        ChatTemplateTest.class
                                .getResource("/chat-templates/llama2-chat.jinja")
                                .toURI());
        ChatTemplate t = ChatTemplate.of(Files.readString(file), "<s>", "</s>");
        Assert.assertEquals(
                t.render(CONVERSATION, true),
                "<s>[INST] <<SYS>>\nBe brief. \n<</SYS>>\n\n  Hi there [/INST] Hello! </s><s>[INST] Sum 2+2? [/INST]");
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () ->
                                t.render(
                                        List.of(ChatMessage.user("a"), ChatMessage.user("b")),
                                        true));
        Assert.assertTrue(
                e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
        try (LlamaTokenizer tok = LlamaTokenizer.load(TokenizerFixtures.real("llama2"))) {
            long[] ids = t.encode(tok, List.of(ChatMessage.user("Hi")));
            Assert.assertEquals(ids[0], tok.bosTokenId().getAsLong());
            Assert.assertNotEquals(ids[1], tok.bosTokenId().getAsLong());
        }
    }

    @Test
    public void generationPromptIsOptional() {
        ChatTemplate t =
                ChatTemplate.of(
                        "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}"
                                + "{% if add_generation_prompt %}<assistant>{% endif %}",
                        null, null);
        Assert.assertEquals(t.render(List.of(ChatMessage.user("x")), true), "<user>x\n<assistant>");
        Assert.assertEquals(t.render(List.of(ChatMessage.user("x")), false), "<user>x\n");
        Assert.expectThrows(IllegalArgumentException.class, () -> t.render(List.of(), true));
    }

    @Test
    public void modelsWithoutTemplatesAndBrokenConfigs(
            /* no template: empty, not an error */ ) throws Exception {
        Assert.assertTrue(ChatTemplate.read(TokenizerFixtures.tiny()).isEmpty());
        Assert.assertTrue(ChatTemplate.read(TokenizerFixtures.real("llama2")).isEmpty());
        Path dir = Files.createTempDirectory("chat-template");
        try {
            Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 42}");
            TokenizerException e =
                    Assert.expectThrows(TokenizerException.class, () -> ChatTemplate.read(dir));
            Assert.assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
            Files.writeString(
                    dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ x }\"");
            Assert.expectThrows(TokenizerException.class, () -> ChatTemplate.read(dir));
            Files.writeString(
                    dir.resolve("tokenizer_config.json"),
                    "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                            + " {\"name\": \"default\", \"template\": \"D{{ bos_token }}\"}], \"bos_token\": {\"content\": \"<b>\"}}");
            Assert.assertEquals(
                    ChatTemplate.read(dir)
                            .orElseThrow()
                            .render(List.of(ChatMessage.user("x")), true),
                    "D<b>");
            Files.writeString(
                    dir.resolve("chat_template.jinja"),
                    "{% for m in messages %}[{{ m.content }}]{% endfor %}");
            Assert.assertEquals(
                    ChatTemplate.read(dir)
                            .orElseThrow()
                            .render(List.of(ChatMessage.user("y")), true),
                    "[y]");
        } finally {
            for (String f : new String[] {"tokenizer_config.json", "chat_template.jinja"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.delete(dir);
        }
    }

    @Test
    public void aSyntaxErrorIsAClearError() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{{ m.content }", null, null);
        IllegalArgumentException e =
                Assert.expectThrows(
                        IllegalArgumentException.class,
                        () -> t.render(List.of(ChatMessage.user("x")), true));
        Assert.assertTrue(e.getMessage().startsWith("the chat template failed"), e.getMessage());
    }
}
