package org.layerskip.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What an open file looked like: its size (through the open channel), and the modification time and
 * identity (device and inode) of the file its path names. Comparing a stamp taken at open with one
 * taken after each read detects a shard that was truncated, rewritten or replaced while a model was
 * loading, which would otherwise mix old and new weights silently.
 *
 * @param size the size of the open file, in bytes
 * @param modified the path's last modification time
 * @param key the path's file key (device and inode where the platform has them), or null
 */
record FileStamp(long size, FileTime modified, Object key) {

    /**
     * Takes a stamp.
     *
     * @param path the file's path
     * @param channel the open channel
     * @return the stamp
     * @throws IOException if the attributes cannot be read (e.g. the path was deleted)
     */
    static FileStamp of(Path path, FileChannel channel) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileStamp(channel.size(), attributes.lastModifiedTime(), attributes.fileKey());
    }

    /**
     * Describes how {@code now} differs from this stamp.
     *
     * @param now a later stamp of the same path
     * @return what changed, or null if nothing did
     */
    String changeTo(FileStamp now) {
        if (!Objects.equals(key, now.key)) {
            return "was replaced by another file";
        }
        if (size != now.size) {
            return "changed size from " + size + " to " + now.size + " bytes";
        }
        if (!modified.equals(now.modified)) {
            return "was modified (" + modified + " -> " + now.modified + ")";
        }
        return null;
    }
}
