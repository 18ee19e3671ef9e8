package io.switchboard.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import javax.transaction.xa.XAException;

import org.junit.jupiter.api.Test;

/**
 * What counts as "the store went away" (503 store_unavailable, retry) rather than a bug (500). Seen in
 * DatabaseRestartDrillTest: PostgreSQL stopped during a COMMIT, and the transaction manager threw its own
 * exception with the driver's error only suppressed on it: the sender got a 500 instead of a 503.
 */
class StoreFailuresTest {

    @Test
    void aCommitThatFailedBecauseTheConnectionDiedIsUnavailableNotABug() {
        XAException commit = new XAException("Error trying to transactionCommit local transaction");
        commit.initCause(new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
        RuntimeException rollback = new IllegalStateException("transaction rolled back");
        rollback.addSuppressed(commit);
        assertTrue(StoreFailures.unavailable(new RuntimeException("write failed", rollback)));
    }

    @Test
    void anOrdinaryFailureIsNot() {
        RuntimeException bug = new IllegalStateException("bug");
        bug.addSuppressed(new SQLException("duplicate key", "23505"));
        assertFalse(StoreFailures.unavailable(bug));
        assertTrue(StoreFailures.unavailable(new SQLException("connection refused", "08001")));
    }
}
