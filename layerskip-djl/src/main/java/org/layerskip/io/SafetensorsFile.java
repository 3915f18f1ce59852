package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import org.layerskip.nn.EmbeddingFile;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One open {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then
 * the data section. The header is validated completely by {@link #open} (see {@link
 * CheckpointException} for what is rejected); tensor data is read on demand, one tensor at a time,
 * with positional reads at {@code long} offsets, so files larger than 2 GiB work and the file is
 * never held on the heap.
 *
 * <p>Reads are thread-safe. BF16 tensors are converted in Java, never handed to the engine. After
 * every tensor read the file is checked against what it was when opened (size through the open
 * channel; modification time and identity through its path), so a file truncated, rewritten or
 * replaced while a model loads fails with a message naming the file and the tensor.
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
    private final FileStamp stamp;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            SafetensorsHeader header,
            FileStamp stamp) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        this.stamp = stamp;
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
        // the header is read through RandomAccessFile, which reads into the heap array directly: a
        // channel read into a heap buffer would leave a JDK temporary direct buffer of the header's
        // size (up to 100 MB) cached on this thread for good
        RandomAccessFile raf;
        try {
            raf = new RandomAccessFile(file.toFile(), "r");
        } catch (FileNotFoundException e) {
            if (!Files.exists(file)) {
                throw new CheckpointException(file + ": no such file", e);
            }
            throw new IOException(file + ": cannot open (" + e.getMessage() + ")", e);
        }
        FileChannel channel = raf.getChannel();
        try {
            FileStamp stamp = FileStamp.of(file, channel);
            long size = stamp.size();
            if (size < Long.BYTES) {
                throw new CheckpointException(
                        file + ": truncated, " + size + " bytes is too short for a header");
            }
            byte[] lengthBytes = new byte[Long.BYTES];
            readFully(raf, lengthBytes, 0, file);
            long headerLength =
                    ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
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
            byte[] json = new byte[(int) headerLength];
            readFully(raf, json, Long.BYTES, file);
            long dataStart = Long.BYTES + headerLength;
            SafetensorsHeader header =
                    SafetensorsHeader.parse(json, size - dataStart, file.toString());
            return new SafetensorsFile(file, channel, dataStart, header, stamp);
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
        readTensorBytes(info, bytes, dataStart + info.begin());
        checkUnchanged(info);
        return bytes.rewind();
    }

    /**
     * Describes where a float tensor's bytes sit in this file and what the file looked like when it
     * was opened, so that an engine can memory-map them later ({@link EmbeddingFile}).
     *
     * @param name the tensor name
     * @return the tensor's location
     * @throws CheckpointException if there is no such tensor or it is not F32, F16 or BF16
     */
    public EmbeddingFile location(String name) throws CheckpointException {
        TensorInfo info = info(name);
        String dtype = info.dtype();
        if (!dtype.equals("F32") && !dtype.equals("F16") && !dtype.equals("BF16")) {
            throw new CheckpointException(
                    path + ": tensor " + name + " is " + dtype + ", not a float type");
        }
        return new EmbeddingFile(
                path,
                dataStart + info.begin(),
                info.byteLength(),
                dtype,
                stamp.size(),
                stamp.modified(),
                stamp.key());
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
        checkUnchanged(info);
        return values;
    }

    /**
     * Loads one F32, F16 or BF16 tensor as an NDArray of the target type. The engine allocates the
     * array and the file's bytes are read straight into its memory (through a direct view where the
     * engine offers one, as DJL's PyTorch engine does on CPU), converted in Java in 1 MiB chunks
     * where the types differ; BF16 never reaches the engine and no Java direct buffer holds the
     * data.
     *
     * <p>To fill many tensors (a whole model) use {@link HfLlama#load}, which writes each tensor
     * into its parameter directly.
     *
     * @param name the tensor name
     * @param manager the manager that will own the array
     * @param target {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @return the array, named {@code name}
     * @throws CheckpointException if there is no such tensor, its dtype is not a float type, it is
     *     larger than 2 GiB after conversion, or the file changed since it was opened
     * @throws IllegalArgumentException if {@code target} is not FLOAT32 or FLOAT16
     * @throws IOException if reading fails
     */
    public NDArray load(String name, NDManager manager, DataType target) throws IOException {
        SafetensorsDtype to = SafetensorsDtype.fromDataType(target);
        TensorInfo info = info(name);
        loadableType(info);
        checkFits(info, info.numel() * to.byteSize(), "bytes as " + target);
        NDArray array = manager.create(info.djlShape(), target);
        try (ArrayLoader loader = new ArrayLoader(manager)) {
            loader.fill(this, name, array, 0);
        } catch (IOException | RuntimeException | Error e) {
            array.close();
            throw e;
        }
        array.setName(name);
        return array;
    }

    /**
     * Reads elements {@code [first, first + count)} of one F32, F16 or BF16 tensor, as {@code to},
     * into {@code target}. A direct target in little-endian order of the same type is read into
     * with positional reads (no copy in Java); otherwise the file is read into {@code scratch} in
     * chunks and converted into {@code target}. Afterwards the file is checked for changes.
     *
     * @param name the tensor name
     * @param first the first element (row-major)
     * @param count how many elements
     * @param target receives exactly {@code count * to.byteSize()} bytes from its position, in its
     *     own byte order
     * @param to F32 or F16
     * @param scratch a direct buffer for chunked reads (its order is set to little-endian)
     * @param converter converts chunks of up to {@code scratch.capacity()} bytes
     * @throws CheckpointException if the tensor is missing or not a float type, or the file was
     *     truncated or changed since it was opened
     * @throws IOException if reading fails
     */
    void readInto(
            String name,
            long first,
            long count,
            ByteBuffer target,
            SafetensorsDtype to,
            ByteBuffer scratch,
            ChunkConverter converter)
            throws IOException {
        TensorInfo info = info(name);
        SafetensorsDtype from = loadableType(info);
        if (first < 0 || count < 0 || first + count > info.numel()) {
            throw new IllegalArgumentException(
                    "elements [" + first + ", " + (first + count) + ") outside " + info);
        }
        if (target.remaining() != count * to.byteSize()) {
            throw new IllegalArgumentException(
                    "target has "
                            + target.remaining()
                            + " bytes for "
                            + count
                            + " elements of "
                            + to);
        }
        long position = dataStart + info.begin() + first * from.byteSize();
        long remaining = count * from.byteSize();
        if (from == to && target.isDirect() && target.order() == ByteOrder.LITTLE_ENDIAN) {
            readTensorBytes(info, target, position);
        } else {
            scratch.order(ByteOrder.LITTLE_ENDIAN);
            int chunkBytes = Math.min(scratch.capacity(), converter.chunkBytes(from));
            chunkBytes -= chunkBytes % from.byteSize();
            while (remaining > 0) {
                int length = (int) Math.min(chunkBytes, remaining);
                scratch.clear().limit(length);
                readTensorBytes(info, scratch, position);
                scratch.flip();
                converter.convert(scratch, from, target, to);
                position += length;
                remaining -= length;
            }
        }
        checkUnchanged(info);
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
            readTensorBytes(info, chunk, position);
            chunk.flip();
            consumer.accept(chunk);
            position += length;
            remaining -= length;
        }
    }

    /** Fills {@code target} from {@code position}; a short file names the tensor. */
    private void readTensorBytes(TensorInfo info, ByteBuffer target, long position)
            throws IOException {
        long offset = position;
        while (target.hasRemaining()) {
            int read = channel.read(target, offset);
            if (read < 0) {
                throw new CheckpointException(
                        path
                                + ": tensor '"
                                + info.name()
                                + "': unexpected end of file at byte "
                                + offset
                                + " (the tensor ends at byte "
                                + (dataStart + info.end())
                                + "; the file was "
                                + stamp.size()
                                + " bytes when opened, so it was truncated while loading)");
            }
            offset += read;
        }
    }

    /** Fails if the file no longer looks as it did when it was opened. */
    private void checkUnchanged(TensorInfo info) throws IOException {
        FileStamp now;
        try {
            now = FileStamp.of(path, channel);
        } catch (IOException e) {
            throw new CheckpointException(
                    path
                            + ": changed while loading tensor '"
                            + info.name()
                            + "' (cannot read its attributes any more: "
                            + e
                            + ")",
                    e);
        }
        String change = stamp.changeTo(now);
        if (change != null) {
            throw new CheckpointException(
                    path
                            + ": "
                            + change
                            + " while loading tensor '"
                            + info.name()
                            + "'; load again once the file is complete");
        }
    }

    private static void readFully(RandomAccessFile raf, byte[] target, long position, Path file)
            throws IOException {
        raf.seek(position);
        int offset = 0;
        while (offset < target.length) {
            int read = raf.read(target, offset, target.length - offset);
            if (read < 0) {
                throw new CheckpointException(
                        file + ": unexpected end of file at byte " + (position + offset));
            }
            offset += read;
        }
    }
}
