package org.layerskip.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A folder of training checkpoints written crash-safely.
 *
 * <p>Layout: {@code root/step-000120/} (one complete checkpoint per folder), {@code root/latest}
 * (the name of the newest complete one). A checkpoint is written into a hidden temporary folder
 * {@code root/.tmp-step-000120-<random>/}; every file in it is fsynced, its last file is the marker
 * {@value #MARKER}, the folder is fsynced and then renamed to {@code step-000120} in one atomic
 * rename, the root is fsynced, and only then is {@code latest} replaced (itself atomically) and are
 * older checkpoints beyond the keep count deleted. A process killed at any moment therefore leaves
 * the previous checkpoint intact and {@link #latest()} finds it; leftover temporary folders are
 * ignored (and removed by the next write).
 */
public final class TrainingCheckpoints {

    /** The file written last into a checkpoint; its presence marks the checkpoint complete. */
    public static final String MARKER = "COMPLETE";

    private static final String PREFIX = "step-";
    private static final String TMP_PREFIX = ".tmp-";

    private final Path root;
    private final int keep;

    /** Writes the content of a checkpoint into an empty folder. */
    public interface Writer {
        /**
         * Writes the files (they need not be fsynced: the caller syncs every file).
         *
         * @param dir the empty temporary folder
         * @throws IOException if writing fails
         */
        void write(Path dir) throws IOException;
    }

    /**
     * Opens (or creates) a checkpoint folder.
     *
     * @param root the folder
     * @param keep how many complete checkpoints to keep, at least 1
     * @throws IOException if the folder cannot be created
     */
    public TrainingCheckpoints(Path root, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
        Files.createDirectories(root);
    }

    /**
     * Returns the root folder.
     *
     * @return the root
     */
    public Path root() {
        return root;
    }

    /**
     * Writes a checkpoint for a step atomically.
     *
     * @param step the number of completed optimizer steps
     * @param writer writes the content
     * @return the final folder
     * @throws IOException if writing fails; the previous checkpoint is then untouched
     */
    public Path write(long step, Writer writer) throws IOException {
        removeTemporaries();
        String name = name(step);
        Path tmp =
                root.resolve(
                        TMP_PREFIX
                                + name
                                + "-"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createDirectory(tmp);
        writer.write(tmp);
        syncTree(tmp);
        Path marker = tmp.resolve(MARKER);
        Files.writeString(marker, Long.toString(step), StandardCharsets.UTF_8);
        syncFile(marker);
        syncDir(tmp);
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            deleteTree(target); // a checkpoint of the same step (e.g. rewritten after resume)
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        syncDir(root);
        Path latestTmp = root.resolve(TMP_PREFIX + "latest");
        Files.writeString(latestTmp, name, StandardCharsets.UTF_8);
        syncFile(latestTmp);
        Files.move(
                latestTmp,
                root.resolve("latest"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        syncDir(root);
        prune();
        return target;
    }

    /**
     * Returns the newest complete checkpoint: the one {@code latest} names if it is complete,
     * otherwise the complete {@code step-*} folder with the highest step.
     *
     * @return the folder, or empty when there is none
     * @throws IOException if the root is unreadable
     */
    public Optional<Path> latest() throws IOException {
        Path pointer = root.resolve("latest");
        if (Files.isRegularFile(pointer)) {
            Path named = root.resolve(Files.readString(pointer, StandardCharsets.UTF_8).strip());
            if (isComplete(named)) {
                return Optional.of(named);
            }
        }
        List<Path> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Returns whether a folder is a complete checkpoint.
     *
     * @param dir the folder
     * @return true if it is a {@code step-*} folder holding the marker
     */
    public static boolean isComplete(Path dir) {
        return Files.isDirectory(dir)
                && dir.getFileName().toString().startsWith(PREFIX)
                && Files.isRegularFile(dir.resolve(MARKER));
    }

    /**
     * Returns the complete checkpoints, oldest first.
     *
     * @return the folders
     * @throws IOException if the root is unreadable
     */
    public List<Path> complete() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, PREFIX + "*")) {
            for (Path p : ds) {
                if (isComplete(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    static String name(long step) {
        return String.format("%s%09d", PREFIX, step);
    }

    private void prune() throws IOException {
        List<Path> all = complete();
        for (int i = 0; i < all.size() - keep; i++) {
            deleteTree(all.get(i));
        }
    }

    private void removeTemporaries() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, TMP_PREFIX + "*")) {
            for (Path p : ds) {
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> paths = s.sorted(Comparator.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    syncFile(p);
                } else if (Files.isDirectory(p)) {
                    syncDir(p);
                }
            }
        }
    }

    private static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // directories cannot be synced on some platforms; the renames stay atomic
        }
    }
}
