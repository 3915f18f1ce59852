package org.layerskip.train;

import org.layerskip.io.CheckpointException;
import org.layerskip.io.IoErrors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * <p>Layout: {@code root/step-000000120/} (one complete checkpoint per folder), {@code root/latest}
 * (the name of the newest complete one). A checkpoint is written into a hidden temporary folder
 * {@code root/.tmp-step-000000120-<random>/}; every file in it is fsynced, its last file is the
 * marker {@value #MARKER} holding the {@link CheckpointManifest} (sizes and checksums of the other
 * files, written atomically), the folder is fsynced and then renamed to {@code step-000000120} in one
 * atomic rename, the root is fsynced, and only then is {@code latest} replaced (itself atomically)
 * and are older checkpoints beyond the keep count deleted. A folder is deleted by first renaming it
 * to a temporary name, so a deletion cut short never leaves a {@code step-*} folder that still
 * holds its marker but lacks files. A process killed at any moment therefore leaves the previous
 * checkpoint intact and {@link #latest()} finds it; leftover temporary folders are ignored (and
 * removed by the next write). {@code TrainingCrashTest} kills a training process at random moments,
 * and inside a checkpoint write, to check this.
 *
 * <p>A write that fails (full disk, unwritable folder) removes its temporary folder and throws an
 * {@link IOException} whose one-line message names the checkpoint, the file and the cause, e.g.
 * {@code cannot write checkpoint /ck/step-000000012: /ck/.tmp-step-000000012-3f/optimizer.bin: No
 * space left on device (earlier checkpoints are unchanged)}.
 */
public final class TrainingCheckpoints {

    /**
     * The file written last into a checkpoint, atomically: the {@link CheckpointManifest} (sizes
     * and SHA-256 of every other file). Its presence marks the checkpoint complete.
     */
    public static final String MARKER = "COMPLETE";

    private static final String PREFIX = "step-";
    private static final String TMP_PREFIX = ".tmp-";
    private static final String LATEST = "latest";

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
     * @throws IOException if the folder cannot be created (one-line message: the folder, the cause)
     */
    public TrainingCheckpoints(Path root, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new IOException(
                    "cannot create checkpoint folder " + root + ": " + IoErrors.describe(e, root),
                    e);
        }
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
     * Writes a checkpoint for a step atomically, replacing an existing checkpoint of the same step.
     *
     * @param step the number of completed optimizer steps
     * @param writer writes the content
     * @return the final folder
     * @throws IOException if writing fails; the one-line message names the checkpoint, the file and
     *     the cause. When it fails before the rename, earlier checkpoints are untouched and the
     *     temporary folder is removed; when only updating {@code latest} or deleting old
     *     checkpoints fails, the new checkpoint is complete (and {@link #latest()} returns it or,
     *     if {@code latest} still names the previous one, that one).
     */
    public Path write(long step, Writer writer) throws IOException {
        Path target = root.resolve(name(step));
        Path tmp = null;
        boolean replaced = false;
        try {
            removeTemporaries();
            tmp = temporary(name(step));
            Files.createDirectory(tmp);
            writer.write(tmp);
            syncTree(tmp);
            CheckpointManifest.write(tmp, step); // last, atomically: sizes and SHA-256 of the rest
            syncDir(tmp);
            if (Files.exists(target)) {
                delete(target); // a checkpoint of the same step (e.g. rewritten after resume)
                replaced = true;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            discard(tmp, e);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(
                    "cannot write checkpoint "
                            + target
                            + ": "
                            + IoErrors.describe(e)
                            + (replaced
                                    ? " (the old checkpoint of this step was removed; earlier"
                                            + " ones are unchanged)"
                                    : " (earlier checkpoints are unchanged)"),
                    e);
        }
        try {
            syncDir(root);
            Path latestTmp = root.resolve(TMP_PREFIX + LATEST);
            Files.writeString(latestTmp, target.getFileName().toString(), StandardCharsets.UTF_8);
            syncFile(latestTmp);
            Files.move(
                    latestTmp,
                    root.resolve(LATEST),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            syncDir(root);
            prune();
        } catch (IOException e) {
            throw new IOException(
                    "checkpoint "
                            + target
                            + " is complete, but updating "
                            + root
                            + " failed: "
                            + IoErrors.describe(e),
                    e);
        }
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
        Path pointer = root.resolve(LATEST);
        if (Files.isRegularFile(pointer) && Files.size(pointer) < 256) {
            String name = Files.readString(pointer, StandardCharsets.UTF_8).strip();
            Path named = root.resolve(name);
            // a name only: the pointer must not lead out of the root
            if (!name.contains("/") && !name.contains("\\") && isComplete(named)) {
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

    /**
     * Returns the step a checkpoint folder is named after.
     *
     * @param dir a {@code step-*} folder
     * @return its step
     * @throws CheckpointException if the name is not {@code step-} and a number
     */
    public static long stepOf(Path dir) throws CheckpointException {
        String n = dir.getFileName().toString();
        try {
            return Long.parseLong(n.substring(PREFIX.length()));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new CheckpointException(dir + ": not a checkpoint folder name (" + PREFIX + "N)");
        }
    }

    /**
     * Verifies a complete checkpoint against its manifest ({@link CheckpointManifest#verify}).
     *
     * @param dir the checkpoint folder
     * @return the manifest
     * @throws CheckpointException naming the damaged file
     * @throws IOException if a file cannot be read
     */
    public static CheckpointManifest verify(Path dir) throws IOException {
        return CheckpointManifest.verify(dir, stepOf(dir));
    }

    private void prune() throws IOException {
        List<Path> all = complete();
        for (int i = 0; i < all.size() - keep; i++) {
            delete(all.get(i));
        }
    }

    private Path temporary(String name) {
        return root.resolve(
                TMP_PREFIX + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    /**
     * Deletes a checkpoint folder crash-safely: one atomic rename to a temporary name (which {@link
     * #latest()} ignores), then the recursive delete.
     */
    private void delete(Path dir) throws IOException {
        Path doomed = temporary("deleted-" + dir.getFileName());
        Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(doomed);
    }

    /** Removes the temporary folder of a failed write, keeping the original failure. */
    private static void discard(Path tmp, Exception failure) {
        if (tmp == null) {
            return;
        }
        try {
            deleteTree(tmp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
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
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
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
        } catch (IOException e) {
            throw IoErrors.namingFile(file, e);
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
