package org.layerskip.nn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * Where a loaded model's token embedding sits in its checkpoint file: the byte range of the tensor
 * {@code (V, D)} in row-major order, its stored type and what the file looked like when it was
 * read. An engine that no longer needs the embedding in memory (it only looks up one row per token)
 * may memory-map this range instead, so the table costs the pages that lookups touch rather than
 * its full size ({@code FusedEngine} does this when it packs a tied head).
 *
 * @param file the safetensors file
 * @param offset the tensor's first byte in the file
 * @param length the tensor's bytes ({@code V * D * } the type's size)
 * @param dtype the stored type: {@code F32}, {@code F16} or {@code BF16}
 * @param size the file's size when it was loaded
 * @param modified the file's modification time when it was loaded
 * @param key the file's identity (device and inode where the platform has them), or null
 */
public record EmbeddingFile(
        Path file,
        long offset,
        long length,
        String dtype,
        long size,
        FileTime modified,
        Object key) {

    /** Checks the fields. */
    public EmbeddingFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(modified, "modified");
        if (!dtype.equals("F32") && !dtype.equals("F16") && !dtype.equals("BF16")) {
            throw new IllegalArgumentException("dtype must be F32, F16 or BF16, got " + dtype);
        }
        if (offset < 0 || length < 1 || offset + length > size) {
            throw new IllegalArgumentException(
                    "bytes [" + offset + ", " + (offset + length) + ") are outside the file");
        }
    }

    /**
     * Returns the stored type's size in bytes.
     *
     * @return 4 or 2
     */
    public int elementBytes() {
        return dtype.equals("F32") ? 4 : 2;
    }

    /**
     * Says how the file differs from when it was loaded (size, modification time or identity), or
     * null when it looks the same, so that a rewritten or replaced checkpoint is never mapped as if
     * it held the loaded weights.
     *
     * @return what changed, or null
     */
    public String changed() {
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (now.size() != size) {
                return file
                        + " changed size since it was loaded ("
                        + size
                        + " -> "
                        + now.size()
                        + ")";
            }
            if (!now.lastModifiedTime().equals(modified) || !Objects.equals(now.fileKey(), key)) {
                return file + " was modified or replaced since it was loaded";
            }
            return null;
        } catch (IOException e) {
            return file + " cannot be read any more (" + e + ")";
        }
    }
}
