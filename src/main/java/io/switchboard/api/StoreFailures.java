package io.switchboard.api;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.hibernate.exception.JDBCConnectionException;

import io.vertx.sqlclient.ClosedConnectionException;

/** Recognises "the database cannot be reached right now", which clients should retry, from real bugs. */
public final class StoreFailures {

    private StoreFailures() {
    }

    /**
     * Whether {@code failure}, one of its causes or anything suppressed on them (a commit that failed because
     * the connection died reaches us as a transaction exception with the driver's error suppressed on it)
     * says the store went away. An outcome such a client cannot know (the commit may have happened) is safe
     * to retry: a retried send with the same clientMsgId returns the original.
     */
    public static boolean unavailable(Throwable failure) {
        return unavailable(failure, 0);
    }

    private static boolean causedByIo(Throwable failure) {
        for (Throwable t = failure.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static boolean unavailable(Throwable failure, int depth) {
        if (failure == null || depth > 4) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            for (Throwable suppressed : t.getSuppressed()) {
                if (unavailable(suppressed, depth + 1)) {
                    return true;
                }
            }
            // A socket error inside request handling is the database's connection (a reset or broken pipe
            // when PostgreSQL goes away mid-query): the client's own socket failing produces no response.
            if (t instanceof SQLTransientConnectionException || t instanceof ConnectException
                    || t instanceof SocketException || t instanceof ClosedChannelException
                    || t instanceof ClosedConnectionException
                    || t instanceof JDBCConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            String name = t.getClass().getName();
            // The object store's SDK could not reach it: a refused or reset connection, or a write that failed
            // mid-request ("Error writing to server", an IOException that is not a SocketException).
            if (name.equals("software.amazon.awssdk.core.exception.SdkClientException") && causedByIo(t)) {
                return true; // (not a client-side mistake such as missing credentials: those stay 500s)
            }
            if (name.startsWith("io.vertx.pgclient") && t.getMessage() != null && t.getMessage().contains("57P")
                    || name.equals("io.vertx.core.VertxException") && "Connection is closed".equals(t.getMessage())) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    public static ApiException toApi() {
        return new ApiException(ErrorCode.STORE_UNAVAILABLE, "the message store is unavailable; retry shortly");
    }
}
