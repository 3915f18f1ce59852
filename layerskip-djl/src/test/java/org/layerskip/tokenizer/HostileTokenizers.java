package org.layerskip.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Variants of the tiny test tokenizer with a regex where tokenizer.json can hold one. */
final class HostileTokenizers {

    /** Where a regex goes. */
    enum Place {
        /** {@code normalizer}: a {@code Replace} of the regex by "x". */
        NORMALIZER,
        /** {@code pre_tokenizer}: a {@code Split} on the regex. */
        SPLIT,
        /** {@code decoder}: a {@code Replace} of the regex by "x". */
        DECODER,
        /** {@code pre_tokenizer}: a {@code Sequence} of Whitespace and a Split. */
        NESTED_SPLIT
    }

    private HostileTokenizers() {}

    /**
     * Writes the tiny tokenizer with one regex into a folder.
     *
     * @param dir the folder (gets tokenizer.json and tokenizer_config.json)
     * @param place where the regex goes
     * @param regex the pattern
     * @return the tokenizer.json written
     * @throws IOException if writing fails
     */
    static Path write(Path dir, Place place, String regex) throws IOException {
        Path tiny = TokenizerFixtures.tiny();
        JsonObject root =
                JsonParser.parseString(Files.readString(tiny.resolve("tokenizer.json")))
                        .getAsJsonObject();
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", regex);
        switch (place) {
            case NORMALIZER -> root.add("normalizer", replace(pattern));
            case DECODER -> root.add("decoder", replace(pattern));
            case SPLIT -> root.add("pre_tokenizer", split(pattern));
            case NESTED_SPLIT -> {
                JsonObject seq = new JsonObject();
                seq.addProperty("type", "Sequence");
                JsonArray list = new JsonArray();
                JsonObject ws = new JsonObject();
                ws.addProperty("type", "Whitespace");
                list.add(ws);
                list.add(split(pattern));
                seq.add("pretokenizers", list);
                root.add("pre_tokenizer", seq);
            }
            default -> throw new AssertionError(place);
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, root.toString());
        Files.copy(
                tiny.resolve("tokenizer_config.json"),
                dir.resolve("tokenizer_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    static JsonElement replace(JsonObject pattern) {
        JsonObject r = new JsonObject();
        r.addProperty("type", "Replace");
        r.add("pattern", pattern);
        r.addProperty("content", "x");
        return r;
    }

    static JsonObject split(JsonObject pattern) {
        JsonObject s = new JsonObject();
        s.addProperty("type", "Split");
        s.add("pattern", pattern);
        s.addProperty("behavior", "Isolated");
        s.addProperty("invert", false);
        return s;
    }
}
