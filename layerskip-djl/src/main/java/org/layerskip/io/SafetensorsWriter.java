package org.layerskip.io;

import ai.djl.ndarray.NDArray;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes named float tensors to one safetensors file as F32, F16 or BF16. Narrowing rounds to
 * nearest even in Java. The header carries {@code __metadata__ {"format": "pt"}} and is padded with
 * spaces to a multiple of 8 bytes, so the data section is 8-byte aligned. Every write is atomic
 * (temporary file, fsync, rename); one tensor's values are held in memory at a time.
 */
public final class SafetensorsWriter {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private SafetensorsWriter() {}

    /**
     * Writes heap tensors; needs no engine.
     *
     * @param file the file to create or replace
     * @param tensors name to tensor, in the order to write
     * @param dtype F32, F16 or BF16
     * @throws IllegalArgumentException if the dtype is not a float type or a name is {@code
     *     __metadata__}
     * @throws IOException if writing fails; the file is then unchanged
     */
    public static void write(Path file, Map<String, TensorData> tensors, SafetensorsDtype dtype)
            throws IOException {
        checkArgs(file, tensors, dtype);
        write(file, WritableTensor.fromData(tensors), dtype);
    }

    /**
     * Writes NDArrays of type FLOAT32, FLOAT16 (widened in Java) or FLOAT64. Each array is read
     * back to the heap only while it is written.
     *
     * @param file the file to create or replace
     * @param tensors name to array, in the order to write
     * @param dtype F32, F16 or BF16
     * @throws IllegalArgumentException if the dtype is not a float type, a name is {@code
     *     __metadata__}, or an array is not a float array
     * @throws IOException if writing fails; the file is then unchanged
     */
    public static void writeArrays(Path file, Map<String, NDArray> tensors, SafetensorsDtype dtype)
            throws IOException {
        checkArgs(file, tensors, dtype);
        write(file, WritableTensor.fromArrays(tensors), dtype);
    }

    private static void checkArgs(Path file, Map<String, ?> tensors, SafetensorsDtype dtype) {
        if (file == null || tensors == null || dtype == null) {
            throw new IllegalArgumentException("file, tensors and dtype must not be null");
        }
        for (Map.Entry<String, ?> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("tensor names and tensors must not be null");
            }
        }
    }

    /**
     * Returns the number of data bytes a tensor takes in a given dtype.
     *
     * @param shape the dimensions
     * @param dtype the element type
     * @return numel times the element size
     */
    static long dataBytes(long[] shape, SafetensorsDtype dtype) {
        long count = dtype.byteSize();
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    static void write(Path file, List<WritableTensor> tensors, SafetensorsDtype dtype)
            throws IOException {
        if (!dtype.isLoadable()) {
            throw new IllegalArgumentException("can only write F32, F16 or BF16, not " + dtype);
        }
        byte[] header = header(tensors, dtype);
        AtomicFiles.write(
                file,
                channel -> {
                    ByteBuffer prefix =
                            ByteBuffer.allocate(Long.BYTES + header.length)
                                    .order(ByteOrder.LITTLE_ENDIAN);
                    prefix.putLong(header.length).put(header).flip();
                    AtomicFiles.writeFully(channel, prefix);
                    ByteBuffer chunk =
                            ByteBuffer.allocateDirect(CHUNK_ELEMENTS * dtype.byteSize())
                                    .order(ByteOrder.LITTLE_ENDIAN);
                    for (WritableTensor tensor : tensors) {
                        writeData(channel, tensor, dtype, chunk);
                    }
                });
    }

    private static byte[] header(List<WritableTensor> tensors, SafetensorsDtype dtype) {
        JsonObject root = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("format", "pt");
        root.add("__metadata__", metadata);
        long offset = 0;
        for (WritableTensor tensor : tensors) {
            if ("__metadata__".equals(tensor.name()) || root.has(tensor.name())) {
                throw new IllegalArgumentException("invalid tensor name '" + tensor.name() + "'");
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", dtype.name());
            JsonArray shape = new JsonArray();
            for (long dim : tensor.shape()) {
                shape.add(dim);
            }
            entry.add("shape", shape);
            long end = offset + dataBytes(tensor.shape(), dtype);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(end);
            entry.add("data_offsets", offsets);
            root.add(tensor.name(), entry);
            offset = end;
        }
        byte[] json = GSON.toJson(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(
            FileChannel channel, WritableTensor tensor, SafetensorsDtype dtype, ByteBuffer chunk)
            throws IOException {
        float[] values = tensor.values().get();
        if (values.length != tensor.numel()) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + tensor.name()
                            + "' has "
                            + values.length
                            + " values, shape "
                            + Arrays.toString(tensor.shape())
                            + " needs "
                            + tensor.numel());
        }
        for (int start = 0; start < values.length; start += CHUNK_ELEMENTS) {
            int count = Math.min(CHUNK_ELEMENTS, values.length - start);
            chunk.clear();
            TensorConversion.fromFloats(values, start, count, dtype, chunk);
            chunk.flip();
            AtomicFiles.writeFully(channel, chunk);
        }
    }
}
