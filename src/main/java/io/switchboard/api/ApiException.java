package io.switchboard.api;

/** A failure the client should see as a status and a stable error code, never as a stack trace. */
public class ApiException extends RuntimeException {

    private final ErrorCode code;

    public ApiException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public int status() {
        return code.status();
    }

    public String code() {
        return code.code();
    }

    public ErrorCode errorCode() {
        return code;
    }

    public Problem problem() {
        return new Problem(code.code(), getMessage());
    }

    public static ApiException unauthorized() {
        return new ApiException(ErrorCode.UNAUTHORIZED, "a valid visitor or agent token is required");
    }

    public static ApiException forbidden(String message) {
        return new ApiException(ErrorCode.FORBIDDEN, message);
    }

    public static ApiException conversationNotFound() {
        return new ApiException(ErrorCode.CONVERSATION_NOT_FOUND, "no such conversation");
    }
}
