package org.layerskip.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes checkpoint tensors into arrays the engine has already allocated, with one copy: from the
 * file (positional reads) into the array's own memory.
 *
 * <p>DJL documents that {@link NDArray#toByteBuffer(boolean) toByteBuffer(true)} returns, when it
 * can, a direct buffer that <em>shares</em> the array's memory; DJL 0.36's PyTorch engine does so
 * for dense contiguous CPU tensors ({@code NewDirectByteBuffer} over {@code data_ptr()}, no
 * allocation, nothing counted against {@code -XX:MaxDirectMemorySize}). So a tensor of the file's
 * type is read straight into that view, and a BF16/F16 tensor is read in 1 MiB chunks into an
 * engine-owned scratch array and converted into the view. A row range of a fused parameter (q/k/v,
 * gate/up) is a contiguous byte range of the view; a parameter larger than {@link #MAX_VIEW_BYTES}
 * is filled through views of row blocks (PyTorch slices share storage), since one direct buffer
 * holds at most 2 GiB.
 *
 * <p>The constructor checks that views really share memory (it writes through a view of a small
 * probe array, and through a view of one of its rows, and reads the array back by copy). Where they
 * do not (an accelerator device, another engine), each block of rows is staged on the heap, turned
 * into a small array, and written into the target with {@code set(NDIndex, NDArray)}: slower, still
 * bounded in memory.
 *
 * <p>Not thread-safe; close it to free the scratch array.
 */
final class ArrayLoader implements AutoCloseable {

    /** Bytes converted per chunk. */
    static final int CHUNK_BYTES = 1 << 20;

    /** Largest view taken at once (a direct buffer holds at most 2 GiB). */
    static final long MAX_VIEW_BYTES = 1L << 30;

    /** Largest block staged on the heap when views do not share memory. */
    private static final long STAGING_BYTES = 16L << 20;

    private final NDManager manager;
    private final long maxViewBytes;
    private final boolean sharedViews;
    private final NDManager scratchManager;
    private final ByteBuffer scratch;
    private final ChunkConverter converter;

    /**
     * Creates a loader for arrays of {@code manager}'s engine and device.
     *
     * @param manager the manager whose arrays will be filled
     */
    ArrayLoader(NDManager manager) {
        this(manager, MAX_VIEW_BYTES, true);
    }

    /**
     * Creates a loader; the two knobs exist for tests.
     *
     * @param manager the manager whose arrays will be filled
     * @param maxViewBytes the largest view taken at once
     * @param tryViews false to always stage on the heap
     */
    ArrayLoader(NDManager manager, long maxViewBytes, boolean tryViews) {
        if (maxViewBytes < 1) {
            throw new IllegalArgumentException("maxViewBytes must be >= 1, got " + maxViewBytes);
        }
        this.manager = manager;
        this.maxViewBytes = maxViewBytes;
        this.converter = new ChunkConverter(CHUNK_BYTES);
        this.scratchManager = manager.newSubManager();
        try {
            this.sharedViews = tryViews && viewsShareMemory(scratchManager);
            ByteBuffer engineScratch = null;
            if (sharedViews) {
                NDArray array = scratchManager.create(new Shape(CHUNK_BYTES), DataType.UINT8);
                engineScratch = array.toByteBuffer(true);
            }
            // an engine-owned scratch is freed deterministically by close(); a Java one only by GC
            this.scratch =
                    engineScratch != null && engineScratch.isDirect()
                            ? engineScratch
                            : ByteBuffer.allocateDirect(CHUNK_BYTES);
        } catch (RuntimeException | Error e) {
            scratchManager.close();
            throw e;
        }
    }

    /**
     * Returns whether arrays are filled through views of their own memory (one copy).
     *
     * @return true on engines and devices whose direct buffers share the array's memory
     */
    boolean sharedViews() {
        return sharedViews;
    }

    /**
     * Reads a tensor into rows {@code [rowStart, rowStart + rows)} of {@code target}, where the
     * tensor's shape is {@code [rows, d1, ...]} and the target's is {@code [R, d1, ...]} (a rank-0
     * tensor fills a rank-0 target). The target must be dense and contiguous, FLOAT32 or FLOAT16.
     *
     * @param file the file holding the tensor
     * @param name the tensor name
     * @param target the array to write into
     * @param rowStart the first target row written
     * @throws CheckpointException if the tensor cannot be read (see {@link
     *     SafetensorsFile#readInto})
     * @throws IllegalArgumentException if the shapes do not fit or the type is not FLOAT32/FLOAT16
     * @throws IOException if reading fails
     */
    void fill(SafetensorsFile file, String name, NDArray target, long rowStart) throws IOException {
        SafetensorsDtype to = SafetensorsDtype.fromDataType(target.getDataType());
        TensorInfo info = file.info(name);
        long[] shape = info.shape();
        long[] targetShape = target.getShape().getShape();
        checkFits(info, shape, targetShape, rowStart);
        long rows = shape.length == 0 ? 1 : shape[0];
        long rowElements = rows == 0 ? 0 : info.numel() / rows;
        long rowBytes = rowElements * to.byteSize();
        if (info.numel() == 0) {
            return;
        }
        if (sharedViews) {
            fillThroughViews(file, name, target, rowStart, rows, rowElements, rowBytes, to);
        } else {
            fillThroughStaging(file, name, target, rowStart, rows, rowElements, rowBytes, to);
        }
    }

    private void fillThroughViews(
            SafetensorsFile file,
            String name,
            NDArray target,
            long rowStart,
            long rows,
            long rowElements,
            long rowBytes,
            SafetensorsDtype to)
            throws IOException {
        long targetBytes = target.size() * to.byteSize();
        if (targetBytes <= maxViewBytes) {
            ByteBuffer view = sharedView(target, targetBytes);
            view.position(Math.toIntExact(rowStart * rowBytes));
            view.limit(Math.toIntExact((rowStart + rows) * rowBytes));
            file.readInto(
                    name,
                    0,
                    rows * rowElements,
                    view.slice().order(view.order()),
                    to,
                    scratch,
                    converter);
            return;
        }
        long rowsPerBlock = Math.max(1, maxViewBytes / rowBytes);
        for (long r = 0; r < rows; r += rowsPerBlock) {
            long n = Math.min(rowsPerBlock, rows - r);
            long from = rowStart + r;
            try (NDArray block = target.get(new NDIndex("{}:{}", from, from + n))) {
                ByteBuffer view = sharedView(block, n * rowBytes);
                file.readInto(name, r * rowElements, n * rowElements, view, to, scratch, converter);
            }
        }
    }

    private void fillThroughStaging(
            SafetensorsFile file,
            String name,
            NDArray target,
            long rowStart,
            long rows,
            long rowElements,
            long rowBytes,
            SafetensorsDtype to)
            throws IOException {
        DataType type = target.getDataType();
        if (target.getShape().dimension() == 0) {
            ByteBuffer staged = ByteBuffer.allocate(to.byteSize()).order(ByteOrder.nativeOrder());
            file.readInto(name, 0, 1, staged, to, scratch, converter);
            try (NDArray value = manager.create(staged.rewind(), new Shape(), type)) {
                target.set(new NDIndex("..."), value.toDevice(target.getDevice(), false));
            }
            return;
        }
        long rowsPerBlock = Math.max(1, STAGING_BYTES / Math.max(1, rowBytes));
        long[] blockShape = target.getShape().getShape().clone(); // getShape() is not a copy
        for (long r = 0; r < rows; r += rowsPerBlock) {
            long n = Math.min(rowsPerBlock, rows - r);
            ByteBuffer staged =
                    ByteBuffer.allocate(Math.toIntExact(n * rowBytes))
                            .order(ByteOrder.nativeOrder());
            file.readInto(name, r * rowElements, n * rowElements, staged, to, scratch, converter);
            blockShape[0] = n;
            try (NDArray block = manager.create(staged.rewind(), new Shape(blockShape), type);
                    NDArray onDevice = block.toDevice(target.getDevice(), false)) {
                target.set(new NDIndex("{}:{}", rowStart + r, rowStart + r + n), onDevice);
            }
        }
    }

    /** The array's memory as a buffer in native order, checked to be a whole view of it. */
    private static ByteBuffer sharedView(NDArray array, long bytes) {
        ByteBuffer view = array.toByteBuffer(true);
        if (!view.isDirect() || view.capacity() != bytes) {
            throw new IllegalStateException(
                    "engine returned no direct view of "
                            + bytes
                            + " bytes for an array of shape "
                            + array.getShape());
        }
        return view.order(ByteOrder.nativeOrder());
    }

    private static void checkFits(TensorInfo info, long[] shape, long[] target, long rowStart) {
        boolean fits;
        if (shape.length == 0) {
            fits = target.length == 0 && rowStart == 0;
        } else {
            fits =
                    target.length == shape.length
                            && rowStart >= 0
                            && rowStart + shape[0] <= target[0];
            for (int i = 1; fits && i < shape.length; i++) {
                fits = shape[i] == target[i];
            }
        }
        if (!fits) {
            throw new IllegalArgumentException(
                    "tensor "
                            + info
                            + " does not fit rows from "
                            + rowStart
                            + " of an array of shape "
                            + new Shape(target));
        }
    }

    /**
     * Whether writes through {@code toByteBuffer(true)} reach the array, for a whole array and for
     * a row slice of it, as read back by an independent copy.
     */
    private static boolean viewsShareMemory(NDManager manager) {
        try (NDManager probe = manager.newSubManager()) {
            NDArray array = probe.zeros(new Shape(2, 2), DataType.FLOAT32);
            ByteBuffer whole = array.toByteBuffer(true);
            if (!whole.isDirect() || whole.capacity() != 4 * Float.BYTES) {
                return false;
            }
            whole.order(ByteOrder.nativeOrder()).putFloat(0, 1.5f);
            ByteBuffer row = array.get(new NDIndex("1:2")).toByteBuffer(true);
            if (!row.isDirect() || row.capacity() != 2 * Float.BYTES) {
                return false;
            }
            row.order(ByteOrder.nativeOrder()).putFloat(Float.BYTES, 2.5f);
            float[] back = array.toFloatArray();
            return back[0] == 1.5f && back[1] == 0f && back[2] == 0f && back[3] == 2.5f;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Frees the scratch array. */
    @Override
    public void close() {
        scratchManager.close();
    }
}
