package org.layerskip.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the reference checkpoints written by {@code scripts/make-fixtures.sh}. */
public final class Fixtures {

    /** The fixture checkpoints. */
    public static final String[] NAMES = {"tiny-f32", "tiny-bf16-sharded", "tiny-f16-tied-llama3"};

    private Fixtures() {}

    /**
     * Returns the folder of one fixture, failing (not skipping) when fixtures were not generated.
     *
     * @param name the fixture name
     * @return its folder
     */
    public static Path dir(String name) {
        String root = System.getProperty("layerskip.fixtures", ".cache/fixtures");
        Path dir = Paths.get(root, name);
        if (!Files.isRegularFile(dir.resolve("golden.json"))) {
            throw new IllegalStateException(
                    "fixture " + dir + " missing; run scripts/make-fixtures.sh first");
        }
        return dir;
    }

    /**
     * Reads a fixture's golden.json.
     *
     * @param name the fixture name
     * @return the parsed object
     * @throws IOException if unreadable
     */
    public static JsonObject golden(String name) throws IOException {
        return JsonParser.parseString(Files.readString(dir(name).resolve("golden.json")))
                .getAsJsonObject();
    }
}
