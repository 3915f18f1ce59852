package org.layerskip.server;

import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.zoo.BundledModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The bundled tiny-layerskip model, plain or with a chat template added, for the server tests. */
final class TestModels {

    /** A simple role-tagged template using the tiny model's own BOS ({@code <s>}). */
    static final String TEMPLATE =
            "{{ bos_token }}{% for m in messages %}### {{ m.role }}:\n{{ m.content }}\n{% endfor %}"
                    + "{% if add_generation_prompt %}### assistant:\n{% endif %}";

    private TestModels() {}

    static Path bundled() {
        return BundledModels.locate("tiny-layerskip").orElseThrow();
    }

    /** A temporary copy of tiny-layerskip whose tokenizer_config.json has {@link #TEMPLATE}. */
    static Path withChatTemplate() throws IOException {
        Path src = bundled();
        Path dir = Files.createTempDirectory("tiny-layerskip-chat");
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        JsonObject o = JsonParser.parseString(Files.readString(cfg)).getAsJsonObject();
        o.addProperty("chat_template", TEMPLATE);
        Files.writeString(cfg, o.toString());
        return dir;
    }

    static ServedModel load(Path dir) throws IOException {
        return ServedModel.load(dir.toString(), DataType.FLOAT32, null);
    }
}
