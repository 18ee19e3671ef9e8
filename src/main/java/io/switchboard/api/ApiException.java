package io.switchboard.api;

/** A failure the client should see as a status and a stable error code, never as a stack trace. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Problem problem() {
        return new Problem(code, getMessage());
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "unauthorized", "a valid visitor or agent token is required");
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException conversationNotFound() {
        return new ApiException(404, "conversation_not_found", "no such conversation");
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }
}
