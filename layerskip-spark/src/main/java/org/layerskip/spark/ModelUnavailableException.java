package org.layerskip.spark;

/**
 * An executor cannot load the model: the folder is not there, or its files are unusable. Thrown
 * from a task it fails the task (and, after Spark's retries, the job) instead of marking rows,
 * because no row of that executor could be generated. The message is one line naming the path and
 * the executor.
 */
public final class ModelUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming the model path and the executor
     * @param cause the underlying failure, or null
     */
    public ModelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
