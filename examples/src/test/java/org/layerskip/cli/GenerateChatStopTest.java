package org.layerskip.cli;

import com.google.gson.JsonObject;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** {@code generate --stop}, {@code --chat} and {@code --system} on the bundled model. */
public class GenerateChatStopTest {

    @Test
    public void stopCutsTheTextAndEndsGeneration() {
        LayerSkipCliTest.Run free =
                LayerSkipCliTest.cli(
                        "generate",
                        "--prompt",
                        "def fibonacci(n):",
                        "--max-new-tokens",
                        "48",
                        "--json");
        Assert.assertEquals(free.code(), 0, free.err());
        String text = free.json().get("text").getAsString();
        Assert.assertTrue(text.length() > 12, text);
        String stop = text.substring(6, 9);
        LayerSkipCliTest.Run cut =
                LayerSkipCliTest.cli(
                        "generate",
                        "--prompt",
                        "def fibonacci(n):",
                        "--max-new-tokens",
                        "48",
                        "--json",
                        "--stop",
                        stop,
                        "--stop",
                        "\u00a7\u00a7");
        Assert.assertEquals(cut.code(), 0, cut.err());
        JsonObject o = cut.json();
        Assert.assertEquals(o.get("text").getAsString(), text.substring(0, text.indexOf(stop)));
        Assert.assertEquals(o.get("finish_reason").getAsString(), "stop");
        Assert.assertTrue(
                o.get("num_generated").getAsInt() < free.json().get("num_generated").getAsInt());
        LayerSkipCliTest.Run printed =
                LayerSkipCliTest.cli(
                        "generate",
                        "--prompt",
                        "def fibonacci(n):",
                        "--max-new-tokens",
                        "48",
                        "--stop",
                        stop);
        Assert.assertEquals(printed.code(), 0, printed.err());
        Assert.assertEquals(printed.out().strip(), text.substring(0, text.indexOf(stop)).strip());
        LayerSkipCliTest.Run bad = LayerSkipCliTest.cli("generate", "--prompt", "x", "--stop", "");
        Assert.assertEquals(bad.code(), LayerSkipCli.EXIT_USAGE, bad.err());
    }

    @Test
    public void chatUsesTheTemplateOrFailsClearly() throws Exception {
        LayerSkipCliTest.Run none =
                LayerSkipCliTest.cli(
                        "generate", "--chat", "--prompt", "hi", "--max-new-tokens", "4");
        Assert.assertEquals(none.code(), LayerSkipCli.EXIT_ERROR, none.err());
        Assert.assertTrue(none.err().contains("has no chat template"), none.err());
        Assert.assertEquals(none.err().strip().lines().count(), 1, none.err());
        // a copy of the bundled model with a template: the prompt grows by the template's text
        Path src = org.layerskip.zoo.BundledModels.locate("tiny-layerskip").orElseThrow();
        Path dir = Files.createTempDirectory("chat-model");
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        JsonObject c =
                com.google.gson.JsonParser.parseString(Files.readString(cfg)).getAsJsonObject();
        c.addProperty(
                "chat_template",
                "{{ bos_token }}{% for m in messages %}### {{ m.role }}:\n{{ m.content }}\n{% endfor %}### assistant:\n");
        Files.writeString(cfg, c.toString());
        LayerSkipCliTest.Run plain =
                LayerSkipCliTest.cli(
                        "generate",
                        "--model",
                        dir.toString(),
                        "--prompt",
                        "hi",
                        "--max-new-tokens",
                        "4",
                        "--json");
        LayerSkipCliTest.Run chat =
                LayerSkipCliTest.cli(
                        "generate",
                        "--model",
                        dir.toString(),
                        "--chat",
                        "--prompt",
                        "hi",
                        "--max-new-tokens",
                        "4",
                        "--json");
        LayerSkipCliTest.Run sys =
                LayerSkipCliTest.cli(
                        "generate",
                        "--model",
                        dir.toString(),
                        "--system",
                        "be brief",
                        "--prompt",
                        "hi",
                        "--max-new-tokens",
                        "4",
                        "--json");
        Assert.assertEquals(chat.code(), 0, chat.err());
        Assert.assertEquals(sys.code(), 0, sys.err());
        int p = plain.json().get("prompt_tokens").getAsInt();
        int q = chat.json().get("prompt_tokens").getAsInt();
        int r = sys.json().get("prompt_tokens").getAsInt();
        Assert.assertTrue(q > p && r > q, p + " " + q + " " + r);
        LayerSkipCliTest.Run ids =
                LayerSkipCliTest.cli("generate", "--chat", "--prompt-ids", "0,5");
        Assert.assertEquals(ids.code(), LayerSkipCli.EXIT_USAGE, ids.err());
    }
}
