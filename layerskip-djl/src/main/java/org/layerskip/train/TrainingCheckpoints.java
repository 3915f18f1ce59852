package org.layerskip.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.layerskip.config.StrictJsonTree;
import org.layerskip.io.CheckpointException;
import org.layerskip.io.HfLlama;
import org.layerskip.io.IoErrors;
import org.layerskip.io.SafetensorsDtype;
import org.layerskip.nn.LlamaModel;

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
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * A folder of training checkpoints written crash-safely, and what a checkpoint of a {@link
 * LayerSkipTrainer} holds: {@link #save} writes the weights (F32, Hugging Face layout, in {@value
 * #MODEL_DIR}/), the optimizer state and {@code state.json} (step, seed, configuration); {@link
 * #resume} verifies the newest checkpoint and restores them. Every other piece of a run's state
 * (dropout masks, curriculum, data order, learning rate) is a pure function of (seed, step), so a
 * resumed run continues with exactly the losses of an uninterrupted one.
 *
 * <p>Layout: {@code root/step-000000120/} (one complete checkpoint per folder), {@code root/latest}
 * (the name of the newest complete one). A checkpoint is written into a hidden temporary folder
 * {@code root/.tmp-step-000000120-<random>/}; every file in it is fsynced, its last file is the
 * marker {@value #MARKER} holding the {@link CheckpointManifest} (sizes and checksums of the other
 * files, written atomically), the folder is fsynced and then renamed to {@code step-000000120} in
 * one atomic rename, the root is fsynced, and only then is {@code latest} replaced (itself
 * atomically) and are older checkpoints beyond the keep count deleted. A folder is deleted by first
 * renaming it to a temporary name, so a deletion cut short never leaves a {@code step-*} folder
 * that still holds its marker but lacks files. A process killed at any moment therefore leaves the
 * previous checkpoint intact and {@link #latest()} finds it; leftover temporary folders are ignored
 * (and removed by the next write). {@code TrainingCrashTest} kills a training process at random
 * moments, and inside a checkpoint write, to check this.
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

    /** Name of the weights folder inside a checkpoint. */
    public static final String MODEL_DIR = "model";

    private static final String OPTIMIZER_FILE = "optimizer.bin";
    private static final String STATE_FILE = "state.json";
    private static final String PREFIX = "step-";
    private static final String TMP_PREFIX = ".tmp-";
    private static final String LATEST = "latest";
    private static final NDIndex ALL = new NDIndex("...");

    private final Path root;
    private final int keep;
    private final LongConsumer afterWeights;

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
        this(root, keep, step -> {});
    }

    /**
     * Opens (or creates) a checkpoint folder whose {@link #save} calls {@code afterWeights} with
     * the step once a checkpoint's weights are in its temporary folder, before the optimizer state,
     * the marker and the rename ({@code TrainingCrashTest} kills the process there).
     *
     * @param root the folder
     * @param keep how many complete checkpoints to keep, at least 1
     * @param afterWeights called in the middle of each {@link #save}
     * @throws IOException if the folder cannot be created
     */
    TrainingCheckpoints(Path root, int keep, LongConsumer afterWeights) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
        this.afterWeights = afterWeights;
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
     * Writes a trainer's checkpoint of a step ({@link #write}): the weights F32 in Hugging Face
     * layout, the optimizer state, and {@code state.json} with the step, the seed and the
     * configuration.
     *
     * @param step the number of completed optimizer steps
     * @param model the model being trained
     * @param optimizer its optimizer
     * @param config the run's configuration
     * @param curriculum the early-exit curriculum (recorded for reading, not restored)
     * @return the checkpoint folder
     * @throws IOException if writing fails (full disk, unwritable folder); the previous checkpoint
     *     is then untouched and the one-line message names the checkpoint, the file and the cause
     */
    Path save(
            long step,
            LlamaModel model,
            ResumableAdamW optimizer,
            LayerSkipTrainingConfig config,
            EarlyExitCurriculum curriculum)
            throws IOException {
        return write(
                step,
                dir -> {
                    HfLlama.save(
                            model, dir.resolve(MODEL_DIR), SafetensorsDtype.F32, Long.MAX_VALUE);
                    afterWeights.accept(step);
                    Path optimizerFile = dir.resolve(OPTIMIZER_FILE);
                    try {
                        optimizer.save(optimizerFile);
                    } catch (IOException e) {
                        throw IoErrors.namingFile(optimizerFile, e);
                    }
                    JsonObject state = new JsonObject();
                    state.addProperty("step", step);
                    state.addProperty("seed", config.seed());
                    state.addProperty(
                            "rng",
                            "stateless: dropout masks from SplittableRandom(mix(seed, step,"
                                    + " microBatch, layer)); data order from (seed, epoch)");
                    state.addProperty("curriculum", curriculum.toString());
                    state.add("config", JsonParser.parseString(config.toJson()));
                    Path stateFile = dir.resolve(STATE_FILE);
                    try {
                        Files.writeString(stateFile, state.toString(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw IoErrors.namingFile(stateFile, e);
                    }
                });
    }

    /**
     * Restores the newest complete checkpoint that verifies into a trainer's parameters and
     * optimizer: the checkpoint is first verified as a whole against its manifest ({@link
     * CheckpointManifest}), then its {@code state.json} (a step in {@code [0, steps]} equal to the
     * folder's, the same run's configuration) and optimizer state, before anything is restored.
     *
     * @param fallBackToOlder whether a damaged newest checkpoint makes it try the older ones
     *     (newest first) instead of failing; what was skipped is in {@link ResumePoint#skipped()}
     * @param manager the owner of the trainer's weights (a sub-manager holds the loaded copy)
     * @param parameters the trainer's parameters, in the model's order
     * @param optimizer the trainer's optimizer
     * @param config the trainer's configuration
     * @return where it resumed, or empty when there is no checkpoint
     * @throws CheckpointException naming the file, if the newest checkpoint (or, when falling back,
     *     every checkpoint) is damaged
     * @throws IOException if the checkpoint is unreadable or was written with another configuration
     */
    Optional<ResumePoint> resume(
            boolean fallBackToOlder,
            NDManager manager,
            List<Pair<String, Parameter>> parameters,
            ResumableAdamW optimizer,
            LayerSkipTrainingConfig config)
            throws IOException {
        Optional<Path> newest = latest();
        if (newest.isEmpty()) {
            return Optional.empty();
        }
        List<Path> candidates = new ArrayList<>(List.of(newest.get()));
        if (fallBackToOlder) {
            List<Path> older = new ArrayList<>(complete());
            Collections.reverse(older);
            older.remove(newest.get());
            candidates.addAll(older);
        }
        List<String> skipped = new ArrayList<>();
        for (Path dir : candidates) {
            try {
                long step = restore(dir, manager, parameters, optimizer, config);
                return Optional.of(new ResumePoint(step, dir, skipped));
            } catch (CheckpointException e) {
                if (!fallBackToOlder) {
                    throw new CheckpointException(
                            "cannot resume from "
                                    + dir
                                    + ": "
                                    + e.getMessage()
                                    + " (allow falling back to the previous checkpoint to skip it)",
                            e);
                }
                skipped.add(e.getMessage());
            }
        }
        throw new CheckpointException(
                "cannot resume from "
                        + root
                        + ": every checkpoint is damaged; the newest: "
                        + skipped.get(0));
    }

    /** Verifies and restores one checkpoint; returns its step. */
    private static long restore(
            Path dir,
            NDManager manager,
            List<Pair<String, Parameter>> parameters,
            ResumableAdamW optimizer,
            LayerSkipTrainingConfig config)
            throws IOException {
        CheckpointManifest manifest = verify(dir);
        Path stateFile = dir.resolve(STATE_FILE);
        long savedStep;
        LayerSkipTrainingConfig saved;
        try {
            JsonObject state =
                    StrictJsonTree.parse(Files.readString(stateFile, StandardCharsets.UTF_8))
                            .getAsJsonObject();
            savedStep = state.get("step").getAsBigDecimal().longValueExact();
            saved = LayerSkipTrainingConfig.fromJson(state.get("config").toString());
        } catch (RuntimeException e) {
            throw new CheckpointException(stateFile + ": invalid (" + innermostMessage(e) + ")", e);
        }
        if (savedStep != manifest.step() || savedStep < 0 || savedStep > saved.steps()) {
            throw new CheckpointException(
                    stateFile
                            + ": step "
                            + savedStep
                            + " is not the checkpoint's step "
                            + manifest.step()
                            + " in [0, "
                            + saved.steps()
                            + "]");
        }
        if (!saved.sameRun(config)) {
            throw new IOException(
                    dir
                            + ": checkpoint was written with another configuration:\n"
                            + saved.toJson());
        }
        try (NDManager tmp = manager.newSubManager()) {
            LlamaModel loaded = HfLlama.load(dir.resolve(MODEL_DIR), tmp, DataType.FLOAT32);
            List<Pair<String, Parameter>> src = new ArrayList<>();
            loaded.getParameters().forEach(p -> src.add(new Pair<>(p.getKey(), p.getValue())));
            for (int i = 0; i < parameters.size(); i++) {
                // In place through a detached alias: writing into a leaf that requires grad fails
                // while the thread's grad mode is on (PyTorch's default on threads other than the
                // one DJL loaded the engine on). copyTo would rebind the alias, not write through.
                NDArray target = parameters.get(i).getValue().getArray().stopGradient();
                target.attach(tmp);
                target.set(ALL, src.get(i).getValue().getArray());
            }
        }
        optimizer.load(dir.resolve(OPTIMIZER_FILE), parameters);
        return savedStep;
    }

    /** The message of the innermost cause (Gson wraps a record's validation error). */
    private static String innermostMessage(Throwable t) {
        String m = String.valueOf(t.getMessage());
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
            if (c.getMessage() != null) {
                m = c.getMessage();
            }
        }
        return m.replaceAll("\\s+", " ");
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
