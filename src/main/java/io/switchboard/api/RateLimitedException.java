package io.switchboard.api;

/**
 * "Try again later", with the seconds a client should wait: {@code 429} when this client went over a limit
 * ({@code rate_limited}, {@code too_many_connections}, {@code login_locked}), {@code 503 overloaded} when the
 * service sheds load. A retried send with the same {@code clientMsgId} is never stored twice.
 */
public class RateLimitedException extends ApiException {

    private final long retryAfterSeconds;

    public RateLimitedException(ErrorCode code, String message, long retryAfterSeconds) {
        super(code, message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static RateLimitedException rateLimited(long retryAfterSeconds) {
        return new RateLimitedException(ErrorCode.RATE_LIMITED, "too many requests; slow down", retryAfterSeconds);
    }

    /** The write queue is full, or a send waited too long in it: nothing was stored; retry shortly. */
    public static RateLimitedException overloaded() {
        return new RateLimitedException(ErrorCode.OVERLOADED, "the service is busy; retry with the same clientMsgId", 1);
    }

    /** Did this client go over one of its own limits (as opposed to the service being busy)? */
    public boolean clientsFault() {
        return status() == 429;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
