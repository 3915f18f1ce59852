package org.layerskip.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: the content goes to a hidden temporary file in the same directory,
 * which is fsynced and then renamed over the target, so readers see the old file or the complete
 * new one, never a partial write.
 */
final class AtomicFiles {

    /** Writes the whole content of the temporary file. */
    interface Content {

        /**
         * Writes the content.
         *
         * @param channel the temporary file, empty and open for writing
         * @throws IOException if writing fails
         */
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes {@code target} atomically, creating its directory if needed.
     *
     * @param target the file to create or replace
     * @param content writes the bytes
     * @throws IOException if writing, syncing or renaming fails; the target is then unchanged. A
     *     failure that names no file (a full disk reports {@code No space left on device} without a
     *     path) comes as a {@link java.nio.file.FileSystemException} naming the target.
     */
    static void write(Path target, Content content) throws IOException {
        try {
            writeOrFail(target, content);
        } catch (IOException e) {
            throw IoErrors.namingFile(target, e);
        }
    }

    private static void writeOrFail(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Files.createDirectories(directory);
        String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path temporary = directory.resolve("." + absolute.getFileName() + "." + suffix + ".tmp");
        try {
            try (FileChannel channel =
                    FileChannel.open(
                            temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            Files.move(
                    temporary,
                    absolute,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(directory);
    }

    /**
     * Writes a UTF-8 text file atomically.
     *
     * @param target the file to create or replace
     * @param text the content
     * @throws IOException if writing fails; the target is then unchanged
     */
    static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
    }

    /**
     * Writes a buffer completely.
     *
     * @param channel the destination
     * @param buffer the bytes from position to limit
     * @throws IOException if writing fails
     */
    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Makes the rename durable where the platform allows syncing a directory (Linux, macOS). */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Not supported on this platform (e.g. Windows); the rename itself is still atomic.
        }
    }
}
