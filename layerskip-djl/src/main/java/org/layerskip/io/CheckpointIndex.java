package org.layerskip.io;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validated {@code model.safetensors.index.json} of a sharded checkpoint.
 *
 * @param weightMap tensor name to shard path (resolved inside the folder), in file order
 */
record CheckpointIndex(Map<String, Path> weightMap) {

    /** Largest accepted index file, in bytes. */
    static final long MAX_INDEX_BYTES = 64L << 20;

    /**
     * Reads and validates an index file: a JSON object whose {@code weight_map} maps each tensor
     * name to a shard file name that stays inside the folder.
     *
     * @param directory the checkpoint folder
     * @param indexFile the index file inside it
     * @return the index
     * @throws CheckpointException if the file is too large, not JSON, lacks {@code weight_map} or
     *     names a shard outside the folder
     * @throws IOException if reading fails
     */
    static CheckpointIndex read(Path directory, Path indexFile) throws IOException {
        String notRegular = IoErrors.notRegularFile(indexFile);
        if (notRegular != null) {
            throw new CheckpointException(indexFile + ": " + notRegular);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(indexFile)) {
            bytes = in.readNBytes((int) MAX_INDEX_BYTES + 1);
        }
        if (bytes.length > MAX_INDEX_BYTES) {
            throw new CheckpointException(
                    indexFile + ": larger than the limit of " + MAX_INDEX_BYTES + " bytes");
        }
        String what = indexFile.toString();
        Map<String, String> names = StrictJson.parse(bytes, what, reader -> readRoot(reader, what));
        Map<String, Path> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : names.entrySet()) {
            weightMap.put(entry.getKey(), resolveShard(directory, entry.getValue(), what));
        }
        return new CheckpointIndex(Collections.unmodifiableMap(weightMap));
    }

    /**
     * Resolves a shard file name against the folder, rejecting names that could point elsewhere.
     *
     * @param directory the checkpoint folder
     * @param shard the name from the index
     * @param what the index file, for messages
     * @return the shard path inside {@code directory}
     * @throws CheckpointException if the name is empty, absolute, contains {@code ..} or a
     *     backslash
     */
    static Path resolveShard(Path directory, String shard, String what) throws CheckpointException {
        String bad = what + ": shard file name '" + StrictJson.oneLine(shard) + "'";
        if (shard.isEmpty() || shard.indexOf('\\') >= 0 || shard.indexOf('\0') >= 0) {
            throw new CheckpointException(bad + " is not a plain relative file name");
        }
        Path relative;
        try {
            relative = directory.getFileSystem().getPath(shard);
        } catch (InvalidPathException e) {
            throw new CheckpointException(bad + " is not a valid path", e);
        }
        if (relative.isAbsolute() || relative.getRoot() != null) {
            throw new CheckpointException(bad + " is absolute; it must stay inside the folder");
        }
        for (Path part : relative) {
            if ("..".equals(part.toString())) {
                throw new CheckpointException(
                        bad + " contains '..'; it must stay inside the folder");
            }
        }
        Path base = directory.toAbsolutePath().normalize();
        Path resolved = base.resolve(relative).normalize();
        if (!resolved.startsWith(base) || resolved.equals(base)) {
            throw new CheckpointException(bad + " escapes the folder");
        }
        return resolved;
    }

    private static Map<String, String> readRoot(JsonReader reader, String what) throws IOException {
        StrictJson.expect(reader, JsonToken.BEGIN_OBJECT, what);
        Map<String, String> weightMap = null;
        reader.beginObject();
        while (reader.hasNext()) {
            String key = reader.nextName();
            if ("weight_map".equals(key)) {
                if (weightMap != null) {
                    throw new CheckpointException(what + ": duplicate weight_map");
                }
                weightMap = readWeightMap(reader, what + ": weight_map");
            } else {
                reader.skipValue(); // "metadata" and anything else is informational
            }
        }
        reader.endObject();
        if (weightMap == null) {
            throw new CheckpointException(what + ": missing weight_map");
        }
        return weightMap;
    }

    private static Map<String, String> readWeightMap(JsonReader reader, String what)
            throws IOException {
        StrictJson.expect(reader, JsonToken.BEGIN_OBJECT, what);
        Map<String, String> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
            String name = reader.nextName();
            String shard = StrictJson.nextString(reader, what + " entry '" + name + "'");
            if (map.put(name, shard) != null) {
                throw new CheckpointException(what + " lists tensor '" + name + "' twice");
            }
        }
        reader.endObject();
        return map;
    }
}
