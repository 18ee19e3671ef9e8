package io.switchboard.live;

import java.time.Instant;

/**
 * One admitted client connection on any transport: who holds it, from where, with which token, and how to
 * close it. The registry closes it on revocation, token expiry or shutdown.
 */
public final class LiveConnection {

    /** Documented close codes, shared by every transport (WebSocket close frame; streams end). */
    public static final int GOING_AWAY = 1001;
    public static final int POLICY_VIOLATION = 1008;
    public static final int TOO_BIG = 1009;
    public static final int SLOW_CONSUMER = 4000;
    public static final int IDLE = 4001;
    public static final int TOKEN_REVOKED = 4401;
    public static final int TOO_MANY_CONNECTIONS = 4429;

    @FunctionalInterface
    public interface Closer {
        void close(int code, String reason);
    }

    final String identity;
    final String tokenHash;
    final String ip;
    final Transport transport;
    final Instant expiresAt;
    /** When the maximum connection age retires it (epoch milliseconds; never when there is no maximum). */
    final long retireAt;
    private final Closer closer;
    volatile long expiryTimer = -1;
    private volatile boolean released;

    LiveConnection(String identity, String tokenHash, String ip, Transport transport, Instant expiresAt, long retireAt,
            Closer closer) {
        this.identity = identity;
        this.tokenHash = tokenHash;
        this.ip = ip;
        this.transport = transport;
        this.expiresAt = expiresAt;
        this.retireAt = retireAt;
        this.closer = closer;
    }

    void close(int code, String reason) {
        if (!released) {
            closer.close(code, reason);
        }
    }

    boolean markReleased() {
        boolean first = !released;
        released = true;
        return first;
    }
}
