package org.layerskip.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import org.layerskip.config.StrictJsonTree;
import org.layerskip.io.CheckpointException;
import org.layerskip.io.IoErrors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The manifest of a training checkpoint: the step and every file of the checkpoint with its size
 * and SHA-256, written last (atomically) as the checkpoint's marker file {@value
 * TrainingCheckpoints#MARKER}. {@link #verify} checks a checkpoint as a whole against it before
 * anything is restored, so a truncated {@code optimizer.bin}, an edited {@code state.json} or a
 * missing or added file is rejected with a message naming the file.
 *
 * <pre>{"format": "layerskip-checkpoint/1", "step": 120,
 *  "files": [{"path": "model/config.json", "bytes": 512, "sha256": "9f86d0..."}, ...]}</pre>
 */
public final class CheckpointManifest {

    /** The value of {@code format}. */
    public static final String FORMAT = "layerskip-checkpoint/1";

    private static final long MAX_MANIFEST_BYTES = 1 << 20;

    private final long step;
    private final Map<String, Entry> files;

    /**
     * One file of a checkpoint.
     *
     * @param path its path relative to the checkpoint folder, with {@code /} separators
     * @param bytes its size
     * @param sha256 its SHA-256, lower-case hex
     */
    public record Entry(String path, long bytes, String sha256) {}

    private CheckpointManifest(long step, Map<String, Entry> files) {
        this.step = step;
        this.files = Collections.unmodifiableMap(files);
    }

    /**
     * Returns the step the checkpoint was written at.
     *
     * @return the number of completed optimizer steps
     */
    public long step() {
        return step;
    }

    /**
     * Returns the files, by relative path.
     *
     * @return the entries; unmodifiable
     */
    public Map<String, Entry> files() {
        return files;
    }

    /**
     * Hashes every file in a finished (and synced) checkpoint folder and writes the manifest into
     * it atomically: to a temporary name, fsynced, then renamed to {@value
     * TrainingCheckpoints#MARKER}.
     *
     * @param dir the folder
     * @param step the step
     * @return the manifest file
     * @throws IOException if a file cannot be read or the manifest cannot be written (the message
     *     names the file)
     */
    static Path write(Path dir, long step) throws IOException {
        JsonArray list = new JsonArray();
        for (Map.Entry<String, Path> f : listFiles(dir).entrySet()) {
            JsonObject e = new JsonObject();
            e.addProperty("path", f.getKey());
            e.addProperty("bytes", Files.size(f.getValue()));
            e.addProperty("sha256", sha256(f.getValue()));
            list.add(e);
        }
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("step", step);
        o.add("files", list);
        Path marker = dir.resolve(TrainingCheckpoints.MARKER);
        Path tmp = dir.resolve(TrainingCheckpoints.MARKER + ".tmp");
        try {
            Files.writeString(tmp, o.toString(), StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw IoErrors.namingFile(marker, e);
        }
        return marker;
    }

    /**
     * Verifies a checkpoint folder against its manifest: every listed file present with its size
     * and SHA-256, no other file, and the step the one the folder is named after.
     *
     * @param dir the checkpoint folder
     * @param expectedStep the step its name says
     * @return the manifest
     * @throws CheckpointException naming the file at fault, if anything differs
     * @throws IOException if a file cannot be read
     */
    public static CheckpointManifest verify(Path dir, long expectedStep) throws IOException {
        CheckpointManifest m = read(dir);
        Path marker = dir.resolve(TrainingCheckpoints.MARKER);
        if (m.step != expectedStep) {
            throw new CheckpointException(
                    marker
                            + ": the manifest is for step "
                            + m.step
                            + ", the folder for step "
                            + expectedStep);
        }
        Map<String, Path> present = listFiles(dir);
        for (Entry e : m.files.values()) {
            Path f = present.remove(e.path());
            Path where = dir.resolve(e.path());
            if (f == null) {
                String kind = IoErrors.notRegularFile(where);
                throw new CheckpointException(
                        where
                                + ": "
                                + (kind == null ? "unreadable" : kind)
                                + " (the manifest lists it)");
            }
            long size = Files.size(f);
            if (size != e.bytes()) {
                throw new CheckpointException(
                        where
                                + ": "
                                + size
                                + " bytes, the manifest says "
                                + e.bytes()
                                + " (truncated or overwritten)");
            }
            String hash = sha256(f);
            if (!hash.equals(e.sha256())) {
                throw new CheckpointException(
                        where
                                + ": its content differs from the manifest (SHA-256 "
                                + hash
                                + ", expected "
                                + e.sha256()
                                + ")");
            }
        }
        if (!present.isEmpty()) {
            String extra = present.keySet().iterator().next();
            throw new CheckpointException(
                    dir.resolve(extra) + ": not listed in the manifest " + marker.getFileName());
        }
        return m;
    }

    private static CheckpointManifest read(Path dir) throws IOException {
        Path marker = dir.resolve(TrainingCheckpoints.MARKER);
        String kind = IoErrors.notRegularFile(marker);
        if (kind != null) {
            throw new CheckpointException(marker + ": " + kind + " (not a complete checkpoint)");
        }
        if (Files.size(marker) > MAX_MANIFEST_BYTES) {
            throw new CheckpointException(marker + ": too large for a manifest");
        }
        String text = Files.readString(marker, StandardCharsets.UTF_8);
        try {
            JsonElement root = StrictJsonTree.parse(text);
            if (!root.isJsonObject()) {
                throw new JsonParseException("not a JSON object");
            }
            JsonObject o = root.getAsJsonObject();
            if (!o.has("format") || !FORMAT.equals(o.get("format").getAsString())) {
                throw new JsonParseException("format must be \"" + FORMAT + "\"");
            }
            long step = o.get("step").getAsBigDecimal().longValueExact();
            Map<String, Entry> files = new TreeMap<>();
            for (JsonElement x : o.getAsJsonArray("files")) {
                JsonObject e = x.getAsJsonObject();
                String path = e.get("path").getAsString();
                if (path.isEmpty()
                        || path.startsWith("/")
                        || List.of(path.split("/")).contains("..")) {
                    throw new JsonParseException("file path '" + path + "' leaves the checkpoint");
                }
                long bytes = e.get("bytes").getAsBigDecimal().longValueExact();
                String sha = e.get("sha256").getAsString();
                if (files.put(path, new Entry(path, bytes, sha)) != null) {
                    throw new JsonParseException("file '" + path + "' is listed twice");
                }
            }
            return new CheckpointManifest(step, files);
        } catch (JsonParseException
                | IllegalStateException
                | UnsupportedOperationException
                | NullPointerException
                | ClassCastException
                | ArithmeticException
                | NumberFormatException e) {
            throw new CheckpointException(
                    marker + ": not a checkpoint manifest (" + e.getMessage() + ")", e);
        }
    }

    /** Every regular file below {@code dir} except the manifest, by relative path. */
    private static Map<String, Path> listFiles(Path dir) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (Files.isDirectory(p)
                        || rel.equals(TrainingCheckpoints.MARKER)
                        || rel.equals(TrainingCheckpoints.MARKER + ".tmp")) {
                    continue;
                }
                String kind = IoErrors.notRegularFile(p);
                if (kind != null) {
                    // never hash a FIFO (blocks) or a device (endless)
                    throw new CheckpointException(p + ": " + kind);
                }
                out.put(rel, p);
            }
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": missing", e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
