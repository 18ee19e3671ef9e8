package io.switchboard.api;


/** 429, with the seconds a client should wait before trying again. */
public class RateLimitedException extends ApiException {

    private final long retryAfterSeconds;

    public RateLimitedException(String code, String message, long retryAfterSeconds) {
        super(429, code, message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static RateLimitedException rateLimited(long retryAfterSeconds) {
        return new RateLimitedException("rate_limited", "too many requests; slow down", retryAfterSeconds);
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
