package org.layerskip.io;

import java.io.IOException;

/**
 * A checkpoint file or folder is missing, malformed, inconsistent or hostile. The message is one
 * line and names the file and, where there is one, the tensor at fault.
 *
 * <p>This is a checked {@link IOException} on purpose: a corrupt checkpoint is an input/output
 * failure of the same kind as a missing or unreadable file, callers that read checkpoints already
 * handle {@code IOException}, and one {@code catch} then covers both. Programming errors (an
 * unsupported target type, a bad argument) are reported with unchecked exceptions instead.
 */
public class CheckpointException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a one-line message.
     *
     * @param message what is wrong, naming the file and tensor
     */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong, naming the file and tensor
     * @param cause the underlying error
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
