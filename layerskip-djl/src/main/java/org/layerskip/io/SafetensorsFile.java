package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One open {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then
 * the data section. The header is validated completely by {@link #open} (see {@link
 * CheckpointException} for what is rejected); tensor data is read on demand, one tensor at a time,
 * with positional reads at {@code long} offsets, so files larger than 2 GiB work and the file is
 * never held on the heap.
 *
 * <p>Reads are thread-safe. BF16 tensors are converted in Java, never handed to the engine.
 *
 * <pre>{@code
 * try (SafetensorsFile file = SafetensorsFile.open(path)) {
 *     NDArray w = file.load("lm_head.weight", manager, DataType.FLOAT32);
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Largest accepted JSON header, in bytes (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Largest tensor that fits one Java array or direct buffer, in bytes or elements. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final int CHUNK_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;

    private SafetensorsFile(
            Path path, FileChannel channel, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
    }

    /**
     * Opens a file and validates its header.
     *
     * @param file the {@code .safetensors} file
     * @return the open file; close it when done
     * @throws CheckpointException if the file is missing, truncated or its header is invalid
     * @throws IOException if reading fails
     */
    public static SafetensorsFile open(Path file) throws IOException {
        String notRegular = IoErrors.notRegularFile(file);
        if (notRegular != null) {
            throw new CheckpointException(file + ": " + notRegular);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such file", e);
        }
        try {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new CheckpointException(
                        file + ": truncated, " + size + " bytes is too short for a header");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointException(
                        file
                                + ": header length "
                                + Long.toUnsignedString(headerLength)
                                + " exceeds the limit of "
                                + MAX_HEADER_BYTES
                                + " bytes");
            }
            if (headerLength > size - Long.BYTES) {
                throw new CheckpointException(
                        file
                                + ": header length "
                                + headerLength
                                + " exceeds the file size "
                                + size);
            }
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(channel, json, Long.BYTES, file);
            long dataStart = Long.BYTES + headerLength;
            SafetensorsHeader header =
                    SafetensorsHeader.parse(json.array(), size - dataStart, file.toString());
            return new SafetensorsFile(file, channel, dataStart, header);
        } catch (IOException | RuntimeException | Error e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Returns the file's path.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns all tensors, in header order (unmodifiable).
     *
     * @return tensor name to entry
     */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    /**
     * Returns the {@code __metadata__} map (unmodifiable, empty if the header has none).
     *
     * @return the metadata
     */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * Returns one tensor's entry.
     *
     * @param name the tensor name
     * @return the entry
     * @throws CheckpointException if there is no such tensor
     */
    public TensorInfo info(String name) throws CheckpointException {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new CheckpointException(path + ": no tensor '" + name + "'");
        }
        return info;
    }

    /**
     * Reads one tensor's bytes as stored (any dtype).
     *
     * @param name the tensor name
     * @return a new little-endian direct buffer, positioned at 0
     * @throws CheckpointException if there is no such tensor, it exceeds 2 GiB or the file shrank
     * @throws IOException if reading fails
     */
    public ByteBuffer rawBytes(String name) throws IOException {
        TensorInfo info = info(name);
        checkFits(info, info.byteLength(), "bytes");
        ByteBuffer bytes =
                ByteBuffer.allocateDirect((int) info.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, bytes, dataStart + info.begin(), path);
        return bytes.rewind();
    }

    /**
     * Reads one F32, F16 or BF16 tensor as floats, widening in Java.
     *
     * @param name the tensor name
     * @return the values in row-major order
     * @throws CheckpointException if there is no such tensor, its dtype is not a float type, or it
     *     has more elements than a Java array holds
     * @throws IOException if reading fails
     */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        SafetensorsDtype from = loadableType(info);
        checkFits(info, info.numel(), "elements");
        float[] values = new float[(int) info.numel()];
        int[] index = {0};
        readChunks(
                info, chunk -> index[0] = TensorConversion.toFloats(chunk, from, values, index[0]));
        return values;
    }

    /**
     * Loads one F32, F16 or BF16 tensor as an NDArray of the target type. Conversion happens in
     * Java, chunk by chunk, into a single direct buffer handed to {@link
     * NDManager#create(java.nio.Buffer, ai.djl.ndarray.types.Shape, DataType)}; BF16 never reaches
     * the engine.
     *
     * <p>On CPU the PyTorch engine wraps that direct buffer without copying, so loaded weights
     * count against the JVM's direct-memory limit ({@code -XX:MaxDirectMemorySize}, by default
     * {@code -Xmx}); to load a model larger than that, copy each array into its parameter and close
     * it.
     *
     * @param name the tensor name
     * @param manager the manager that will own the array
     * @param target {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @return the array, named {@code name}
     * @throws CheckpointException if there is no such tensor, its dtype is not a float type, or it
     *     is larger than 2 GiB after conversion
     * @throws IllegalArgumentException if {@code target} is not FLOAT32 or FLOAT16
     * @throws IOException if reading fails
     */
    public NDArray load(String name, NDManager manager, DataType target) throws IOException {
        SafetensorsDtype to = SafetensorsDtype.fromDataType(target);
        TensorInfo info = info(name);
        SafetensorsDtype from = loadableType(info);
        long outBytes = info.numel() * to.byteSize();
        checkFits(info, outBytes, "bytes as " + target);
        ByteBuffer out = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (from == to) {
            readFully(channel, out, dataStart + info.begin(), path);
        } else {
            readChunks(info, chunk -> TensorConversion.convert(chunk, from, out, to));
        }
        out.rewind();
        NDArray array = manager.create(out, info.djlShape(), target);
        array.setName(name);
        return array;
    }

    /**
     * Closes the file; entries stay readable, data does not.
     *
     * @throws IOException if closing fails
     */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors]";
    }

    private SafetensorsDtype loadableType(TensorInfo info) throws CheckpointException {
        SafetensorsDtype type = info.type();
        if (type == null || !type.isLoadable()) {
            throw new CheckpointException(
                    path
                            + ": tensor '"
                            + info.name()
                            + "' has dtype "
                            + info.dtype()
                            + "; only F32, F16 and BF16 can be loaded as weights");
        }
        return type;
    }

    private void checkFits(TensorInfo info, long size, String unit) throws CheckpointException {
        if (size > MAX_ARRAY) {
            throw new CheckpointException(
                    path
                            + ": tensor '"
                            + info.name()
                            + "' is "
                            + size
                            + " "
                            + unit
                            + ", more than one array can hold");
        }
    }

    /** Receives consecutive little-endian chunks of whole elements. */
    private interface ChunkConsumer {
        void accept(ByteBuffer chunk);
    }

    private void readChunks(TensorInfo info, ChunkConsumer consumer) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + info.begin();
        long remaining = info.byteLength();
        while (remaining > 0) {
            int length = (int) Math.min(CHUNK_BYTES, remaining);
            chunk.clear().limit(length);
            readFully(channel, chunk, position, path);
            chunk.flip();
            consumer.accept(chunk);
            position += length;
            remaining -= length;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position, Path file)
            throws IOException {
        long offset = position;
        while (target.hasRemaining()) {
            int read = channel.read(target, offset);
            if (read < 0) {
                throw new CheckpointException(file + ": unexpected end of file at byte " + offset);
            }
            offset += read;
        }
    }
}
