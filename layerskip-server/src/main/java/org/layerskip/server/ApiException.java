package org.layerskip.server;

import com.google.gson.JsonObject;

/**
 * A request the server refuses, with the HTTP status and the OpenAI-style error object it answers
 * with: {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    /**
     * Creates the error.
     *
     * @param status HTTP status (4xx or 5xx)
     * @param type OpenAI's error type ({@code invalid_request_error}, ...)
     * @param param the request field at fault, or null
     * @param code a machine-readable code, or null
     * @param message one line for people
     */
    public ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /**
     * A 400 for an invalid field.
     *
     * @param param the field
     * @param message what is wrong
     * @return the error
     */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /**
     * Returns the HTTP status.
     *
     * @return the status
     */
    public int status() {
        return status;
    }

    /**
     * Returns the OpenAI error object.
     *
     * @return {@code {"error": {...}}}
     */
    public JsonObject toJson() {
        return errorJson(getMessage(), type, param, code);
    }

    /**
     * Builds an OpenAI error object.
     *
     * @param message the message
     * @param type the type
     * @param param the field or null
     * @param code the code or null
     * @return {@code {"error": {...}}}
     */
    public static JsonObject errorJson(String message, String type, String param, String code) {
        JsonObject e = new JsonObject();
        e.addProperty("message", message);
        e.addProperty("type", type);
        e.addProperty("param", param);
        e.addProperty("code", code);
        JsonObject o = new JsonObject();
        o.add("error", e);
        return o;
    }
}
