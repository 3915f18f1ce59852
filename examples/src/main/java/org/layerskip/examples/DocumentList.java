package org.layerskip.examples;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads extra training documents: a JSON array of strings (e.g. {@code copy-documents.json}). */
final class DocumentList {

    private DocumentList() {}

    /**
     * Reads the documents.
     *
     * @param file the JSON file
     * @return the documents, in order
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file when it is not an array of strings
     */
    static List<String> read(Path file) throws IOException {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--extra-documents: file not found: " + file, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(
                    file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(file + ": must hold a JSON array of strings");
        }
        JsonArray a = root.getAsJsonArray();
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException(file + ": element " + i + " is not a string");
            }
            docs.add(e.getAsString());
        }
        return docs;
    }
}
