package org.layerskip.config;

/** A model configuration (file or value) is missing, malformed or inconsistent. */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a one-line message naming the file or field at fault.
     *
     * @param message what is wrong
     */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong
     * @param cause the underlying error
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
