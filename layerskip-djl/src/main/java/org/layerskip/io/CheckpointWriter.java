package org.layerskip.io;

import ai.djl.ndarray.NDArray;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face model folder's tensors, sharded when they exceed a size limit: {@code
 * model-00001-of-0000N.safetensors} files plus {@value Checkpoint#INDEX_FILE} (with {@code
 * metadata.total_size}), or a single {@value Checkpoint#SINGLE_FILE} when one shard suffices.
 *
 * <p>Tensors are assigned to shards in map order; a shard is closed when the next tensor would push
 * it past the limit, and a tensor larger than the limit gets a shard of its own. Each file is
 * written atomically, the index last, so a folder never points at a missing shard. The counterpart
 * layout left by an earlier write ({@value Checkpoint#SINGLE_FILE} when writing shards, the index
 * when writing one file) is deleted, since {@link Checkpoint#open} would otherwise pick the stale
 * one; unreferenced old shard files are left alone.
 */
public final class CheckpointWriter {

    private static final Gson GSON =
            new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private CheckpointWriter() {}

    /**
     * Writes heap tensors; needs no engine.
     *
     * @param directory the model folder (created if needed)
     * @param tensors name to tensor, in the order to write
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes the largest data size of one shard, in bytes
     * @return the files written, shards first, index last
     * @throws IllegalArgumentException if the dtype is not a float type or the limit is not
     *     positive
     * @throws IOException if writing fails
     */
    public static List<Path> writeSharded(
            Path directory,
            Map<String, TensorData> tensors,
            SafetensorsDtype dtype,
            long maxShardBytes)
            throws IOException {
        return writeSharded(directory, WritableTensor.fromData(tensors), dtype, maxShardBytes);
    }

    /**
     * Writes NDArrays (FLOAT32, FLOAT16 or FLOAT64), each read back to the heap only while written.
     *
     * @param directory the model folder (created if needed)
     * @param tensors name to array, in the order to write
     * @param dtype F32, F16 or BF16
     * @param maxShardBytes the largest data size of one shard, in bytes
     * @return the files written, shards first, index last
     * @throws IllegalArgumentException if the dtype is not a float type, the limit is not positive
     *     or an array is not a float array
     * @throws IOException if writing fails
     */
    public static List<Path> writeShardedArrays(
            Path directory,
            Map<String, NDArray> tensors,
            SafetensorsDtype dtype,
            long maxShardBytes)
            throws IOException {
        return writeSharded(directory, WritableTensor.fromArrays(tensors), dtype, maxShardBytes);
    }

    private static List<Path> writeSharded(
            Path directory,
            List<WritableTensor> tensors,
            SafetensorsDtype dtype,
            long maxShardBytes)
            throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        }
        if (!dtype.isLoadable()) {
            throw new IllegalArgumentException("can only write F32, F16 or BF16, not " + dtype);
        }
        List<List<WritableTensor>> shards = split(tensors, dtype, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() <= 1) {
            Path file = directory.resolve(Checkpoint.SINGLE_FILE);
            SafetensorsWriter.write(file, tensors, dtype);
            written.add(file);
            Files.deleteIfExists(directory.resolve(Checkpoint.INDEX_FILE));
            return written;
        }
        JsonObject weightMap = new JsonObject();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path file = directory.resolve(name);
            SafetensorsWriter.write(file, shards.get(i), dtype);
            written.add(file);
            for (WritableTensor tensor : shards.get(i)) {
                weightMap.addProperty(tensor.name(), name);
                totalSize += SafetensorsWriter.dataBytes(tensor.shape(), dtype);
            }
        }
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", totalSize);
        JsonObject index = new JsonObject();
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        byte[] json = (GSON.toJson(index) + "\n").getBytes(StandardCharsets.UTF_8);
        Path indexFile = directory.resolve(Checkpoint.INDEX_FILE);
        AtomicFiles.write(
                indexFile, channel -> AtomicFiles.writeFully(channel, ByteBuffer.wrap(json)));
        written.add(indexFile);
        Files.deleteIfExists(directory.resolve(Checkpoint.SINGLE_FILE));
        return written;
    }

    private static List<List<WritableTensor>> split(
            List<WritableTensor> tensors, SafetensorsDtype dtype, long maxShardBytes) {
        List<List<WritableTensor>> shards = new ArrayList<>();
        List<WritableTensor> current = new ArrayList<>();
        long currentBytes = 0;
        for (WritableTensor tensor : tensors) {
            long bytes = SafetensorsWriter.dataBytes(tensor.shape(), dtype);
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(tensor);
            currentBytes += bytes;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }
}
