package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a Hugging Face model folder: either one {@value #SINGLE_FILE} or the shards listed
 * in {@value #INDEX_FILE} (checked in that order, as Transformers does).
 *
 * <p>{@link #open} validates everything before returning: the index JSON, that shard names stay
 * inside the folder, that every shard exists and has a valid header, that every tensor the index
 * names is in its shard, and that no shard holds a tensor the index does not assign to it. Tensor
 * data is read lazily, one tensor at a time.
 *
 * <pre>{@code
 * try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
 *     for (String name : checkpoint.names()) {
 *         NDArray w = checkpoint.load(name, manager, DataType.FLOAT32);
 *     }
 * }
 * }</pre>
 */
public final class Checkpoint implements AutoCloseable {

    /** The file name of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The file name of a sharded checkpoint's index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final Map<String, SafetensorsFile> owners;
    private final List<SafetensorsFile> files;

    private Checkpoint(
            Path directory, Map<String, SafetensorsFile> owners, List<SafetensorsFile> files) {
        this.directory = directory;
        this.owners = Collections.unmodifiableMap(owners);
        this.files = List.copyOf(files);
    }

    /**
     * Opens and validates a model folder.
     *
     * @param directory the folder holding {@value #SINGLE_FILE} or {@value #INDEX_FILE} and shards
     * @return the checkpoint; close it when done
     * @throws CheckpointException if the folder, index or any shard is missing or invalid
     * @throws IOException if reading fails
     */
    public static Checkpoint open(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new CheckpointException(directory + ": not a directory");
        }
        Path single = directory.resolve(SINGLE_FILE);
        Path index = directory.resolve(INDEX_FILE);
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            if (Files.exists(single)) {
                SafetensorsFile file = SafetensorsFile.open(single);
                opened.add(file);
                for (String name : file.tensors().keySet()) {
                    owners.put(name, file);
                }
            } else if (Files.exists(index)) {
                openShards(index, directory, opened, owners);
            } else {
                throw new CheckpointException(
                        directory + ": neither " + SINGLE_FILE + " nor " + INDEX_FILE);
            }
            return new Checkpoint(directory, owners, opened);
        } catch (IOException | RuntimeException | Error e) {
            closeAll(opened, e);
            throw e;
        }
    }

    private static void openShards(
            Path index,
            Path directory,
            List<SafetensorsFile> opened,
            Map<String, SafetensorsFile> owners)
            throws IOException {
        CheckpointIndex weightMap = CheckpointIndex.read(directory, index);
        Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
        for (Map.Entry<String, Path> entry : weightMap.weightMap().entrySet()) {
            Path shardPath = entry.getValue();
            SafetensorsFile shard = shards.get(shardPath);
            if (shard == null) {
                String notRegular = IoErrors.notRegularFile(shardPath);
                if ("no such file".equals(notRegular)) {
                    throw new CheckpointException(
                            index
                                    + ": shard "
                                    + shardPath.getFileName()
                                    + " (for tensor '"
                                    + entry.getKey()
                                    + "') is missing from "
                                    + directory);
                }
                if (notRegular != null) {
                    throw new CheckpointException(
                            index + ": shard " + shardPath + " " + notRegular);
                }
                shard = SafetensorsFile.open(shardPath);
                opened.add(shard);
                shards.put(shardPath, shard);
            }
            if (!shard.tensors().containsKey(entry.getKey())) {
                throw new CheckpointException(
                        index
                                + ": tensor '"
                                + entry.getKey()
                                + "' is not in shard "
                                + shardPath.getFileName());
            }
            owners.put(entry.getKey(), shard);
        }
        for (SafetensorsFile shard : shards.values()) {
            for (String name : shard.tensors().keySet()) {
                if (owners.get(name) != shard) {
                    throw new CheckpointException(
                            shard.path()
                                    + ": tensor '"
                                    + name
                                    + "' is not assigned to this shard by "
                                    + INDEX_FILE);
                }
            }
        }
    }

    /**
     * Returns the folder.
     *
     * @return the folder this checkpoint was opened from
     */
    public Path directory() {
        return directory;
    }

    /**
     * Returns all tensor names (unmodifiable; index order, or header order for one file).
     *
     * @return the names
     */
    public Set<String> names() {
        return owners.keySet();
    }

    /**
     * Returns the open files (one, or one per shard).
     *
     * @return the files, in the order they were opened
     */
    public List<SafetensorsFile> files() {
        return files;
    }

    /**
     * Returns one tensor's entry.
     *
     * @param name the tensor name
     * @return the entry
     * @throws CheckpointException if there is no such tensor
     */
    public TensorInfo info(String name) throws CheckpointException {
        return owner(name).info(name);
    }

    /**
     * Returns the file that holds one tensor (its shard, or the single file).
     *
     * @param name the tensor name
     * @return the open file
     * @throws CheckpointException if there is no such tensor
     */
    public SafetensorsFile file(String name) throws CheckpointException {
        return owner(name);
    }

    /**
     * Loads one tensor as an NDArray; see {@link SafetensorsFile#load}.
     *
     * @param name the tensor name
     * @param manager the manager that will own the array
     * @param target {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @return the array, named {@code name}
     * @throws CheckpointException if there is no such tensor or it cannot be loaded
     * @throws IOException if reading fails
     */
    public NDArray load(String name, NDManager manager, DataType target) throws IOException {
        return owner(name).load(name, manager, target);
    }

    /**
     * Reads one tensor as floats; see {@link SafetensorsFile#readFloats}.
     *
     * @param name the tensor name
     * @return the values in row-major order
     * @throws CheckpointException if there is no such tensor or it cannot be read as floats
     * @throws IOException if reading fails
     */
    public float[] readFloats(String name) throws IOException {
        return owner(name).readFloats(name);
    }

    /**
     * Closes every file.
     *
     * @throws IOException if closing any file fails
     */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SafetensorsFile file : files) {
            try {
                file.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "Checkpoint["
                + directory
                + ", "
                + owners.size()
                + " tensors in "
                + files.size()
                + " files]";
    }

    private SafetensorsFile owner(String name) throws CheckpointException {
        SafetensorsFile file = owners.get(name);
        if (file == null) {
            throw new CheckpointException(
                    "tensor '" + name + "' not found in checkpoint " + directory);
        }
        return file;
    }

    private static void closeAll(List<SafetensorsFile> files, Throwable primary) {
        for (SafetensorsFile file : files) {
            try {
                file.close();
            } catch (IOException e) {
                primary.addSuppressed(e);
            }
        }
    }
}
