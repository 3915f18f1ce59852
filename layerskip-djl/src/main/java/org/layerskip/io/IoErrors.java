package org.layerskip.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One-line descriptions of write failures: the file at fault and the operating system's reason,
 * e.g. {@code /ck/.tmp-step-000000012-3f/model/model.safetensors: No space left on device}. The JDK
 * reports some of these without the file ({@code IOException: No space left on device} from a
 * channel write) or without the reason ({@link AccessDeniedException} carries only the path); the
 * writers here add what is missing, so that a caller can print {@code context + ": " + describe(e)}
 * and the user sees which path failed and why.
 */
public final class IoErrors {

    private IoErrors() {}

    /**
     * Tells what a path is when it is not a regular file, without opening it (opening a FIFO blocks
     * until a writer appears, and a device such as {@code /dev/zero} never ends).
     *
     * @param file the path (symbolic links are followed)
     * @return null for a regular file, otherwise e.g. {@code "no such file"}, {@code "is a
     *     directory"}, {@code "is a FIFO (named pipe), not a regular file"}
     */
    public static String notRegularFile(Path file) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return "no such file";
        } catch (IOException | SecurityException e) {
            return "cannot be read (" + describe(e, file) + ")";
        }
        if (a.isRegularFile()) {
            return null;
        }
        if (a.isDirectory()) {
            return "is a directory, not a file";
        }
        return "is " + specialKind(file) + ", not a regular file";
    }

    /** The kind of a special file from its st_mode, where the platform tells it. */
    private static String specialKind(Path file) {
        try {
            int type = ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO (named pipe)";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException
                | UnsupportedOperationException
                | IllegalArgumentException
                | ClassCastException
                | SecurityException e) {
            // no unix view: fall through
        }
        return "a special file";
    }

    /**
     * Describes the innermost I/O failure of an exception chain in one line: {@code file: reason}
     * for the innermost {@link FileSystemException} that names a file, otherwise the message of the
     * innermost {@link IOException} (or of {@code error} itself).
     *
     * @param error the failure
     * @return one line naming the file (where known) and the cause
     */
    public static String describe(Throwable error) {
        return describe(error, null);
    }

    /**
     * Like {@link #describe(Throwable)}, but leaves out the file when it is the path the caller
     * already names, so that {@code "cannot save model to " + dir + ": " + describe(e, dir)} reads
     * {@code cannot save model to out: Not a directory} rather than repeating {@code out}.
     *
     * @param error the failure
     * @param context the path the caller's message names, or null
     * @return one line naming the file (where known and not {@code context}) and the cause
     */
    public static String describe(Throwable error, Path context) {
        Throwable innermost = error;
        FileSystemException named = null;
        Throwable t = error;
        for (int depth = 0; t != null && depth < 32; depth++, t = t.getCause()) {
            if (t instanceof IOException) {
                innermost = t;
            }
            if (t instanceof FileSystemException f && f.getFile() != null) {
                named = f;
            }
        }
        if (named != null) {
            innermost = named;
        }
        String text;
        if (innermost instanceof FileSystemException f && f.getFile() != null) {
            String other = f.getOtherFile() == null ? "" : " -> " + f.getOtherFile();
            boolean known =
                    context != null && other.isEmpty() && f.getFile().equals(context.toString());
            text = (known ? "" : f.getFile() + other + ": ") + reason(f);
        } else if (innermost.getMessage() != null && !innermost.getMessage().isBlank()) {
            text = innermost.getMessage();
        } else {
            text = innermost.getClass().getSimpleName();
        }
        return text.strip().replace('\n', ' ');
    }

    /**
     * Attaches the file to a failure that does not name one (a channel write reports {@code
     * IOException: No space left on device} without any path).
     *
     * @param file the file being written
     * @param error the failure
     * @return {@code error} itself if it already names a file, otherwise a {@link
     *     FileSystemException} for {@code file} with the same reason and {@code error} as cause
     */
    public static IOException namingFile(Path file, IOException error) {
        if (error instanceof FileSystemException f && f.getFile() != null) {
            return error;
        }
        String reason =
                error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        FileSystemException named = new FileSystemException(file.toString(), null, reason);
        named.initCause(error);
        return named;
    }

    /** The reason of a file-system failure, spelled out for the subclasses that carry none. */
    private static String reason(FileSystemException f) {
        if (f.getReason() != null && !f.getReason().isBlank()) {
            return f.getReason();
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (f instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (f instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (f instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (f instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        return f.getClass().getSimpleName();
    }
}
