package io.switchboard.security;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.text.Normalizer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.netty.util.NetUtil;
import io.quarkus.scheduler.Scheduled;
import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Slows password guessing without handing the guesser a way to lock the owner out. State lives in
 * PostgreSQL, so it holds across replicas and costs no heap (V6__login_guard.sql):
 * <ul>
 * <li>per (username, source address): after {@code login-failures-before-lockout} failures that source is
 * locked for {@code lockout}, doubling with each further failure after a lock (capped at an hour);</li>
 * <li>per (username, source network: an IPv4 /24, an IPv6 /64): after {@code login-failures-before-network-lockout}
 * failures the network is locked the same way, except for addresses that logged in to the account before;</li>
 * <li>per username over all sources: only counted, for a warning ({@code login-failures-before-account-alert}).
 * Nothing locks a whole account: a lock anyone can trigger from anywhere is the attacker's lever on the owner
 * (one wrong password an hour kept an account locked for every new address);</li>
 * <li>a success clears its source's record and remembers the source as trusted (90 days).</li>
 * </ul>
 * Recovery: a lock holds only the source (or network) that earned it, for at most an hour; an operator clears
 * one at once with {@code delete from login_failure where username = 'name'} (docs/deploy.md).
 * Usernames are normalised once (NFKC, trimmed, lower case: {@code ADMIN}, {@code " admin"} and
 * {@code admin} are one account) and capped at 64 characters before anything is stored; rows idle for a
 * day are purged. Attempts per address are rate limited separately ({@link RateLimiter}).
 */
@ApplicationScoped
public class LoginGuard {

    private static final Logger LOG = Logger.getLogger(LoginGuard.class);
    private static final Duration MAX_LOCK = Duration.ofHours(1);
    private static final String ANY_SOURCE = "*";
    private static final String NETWORK = "net:";
    private static final byte[] MAPPED_PREFIX = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff };
    private static final int MAX_KEY = 64;

    @Inject
    SwitchboardConfig config;

    @Inject
    DataSource dataSource;

    /** Throws 429 while this source may not try this username. */
    public void check(String username, String source) {
        String user = normalise(username);
        String from = source(source);
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        select f.source, (extract(epoch from f.locked_until - now()) * 1000)::bigint,
                               exists (select 1 from login_trusted_source t where t.username = f.username and t.source = ?)
                          from login_failure f
                         where f.username = ? and f.source in (?, ?) and f.locked_until > now()""")) {
            s.setString(1, from);
            s.setString(2, user);
            s.setString(3, from);
            s.setString(4, network(source));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    boolean network = r.getString(1).startsWith(NETWORK);
                    if (!network || !r.getBoolean(3)) {
                        throw locked(r.getLong(2));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("login guard: " + e.getMessage(), e);
        }
    }

    public void failed(String username, String source) {
        String user = normalise(username);
        long first = config.limits().lockout().toMillis();
        try (Connection c = dataSource.getConnection()) {
            record(c, user, source(source), config.limits().loginFailuresBeforeLockout(), first);
            record(c, user, network(source), config.limits().loginFailuresBeforeNetworkLockout(), first);
            int everywhere = count(c, user);
            if (everywhere == config.limits().loginFailuresBeforeAccountAlert()) {
                LOG.warnf("login guard: %d failed logins for one account from everywhere within a day (account under attack?)"
                        + " username=%s; addresses and networks that failed are locked, the account is not", everywhere, user);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("login guard: " + e.getMessage(), e);
        }
    }

    public void succeeded(String username, String source) {
        String user = normalise(username);
        String from = source(source);
        try (Connection c = dataSource.getConnection();
                PreparedStatement clear = c.prepareStatement("delete from login_failure where username = ? and source = ?");
                PreparedStatement trust = c.prepareStatement("""
                        insert into login_trusted_source (username, source) values (?, ?)
                        on conflict (username, source) do update set last_success = now()""")) {
            clear.setString(1, user);
            clear.setString(2, from);
            clear.executeUpdate();
            trust.setString(1, user);
            trust.setString(2, from);
            trust.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("login guard: " + e.getMessage(), e);
        }
    }

    /** Forgets records idle for a day (and not locked) and sources trusted more than 90 days ago. */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void purge() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement failures = c.prepareStatement("""
                        delete from login_failure where updated_at < now() - interval '1 day'
                           and (locked_until is null or locked_until < now())""");
                PreparedStatement trusted = c.prepareStatement(
                        "delete from login_trusted_source where last_success < now() - interval '90 days'")) {
            int gone = failures.executeUpdate() + trusted.executeUpdate();
            if (gone > 0) {
                LOG.debugf("login guard: purged %d records", gone);
            }
        } catch (SQLException e) {
            LOG.warnf("login guard purge failed: %s", e.getMessage());
        }
    }

    /** Failures for the account from everywhere, counted (never a lock): a day's, as the records are kept. */
    private static int count(Connection c, String user) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                insert into login_failure as f (username, source, failures) values (?, ?, 1)
                on conflict (username, source) do update set
                    failures = case when f.updated_at < now() - interval '1 day' then 1 else f.failures + 1 end,
                    updated_at = now()
                returning failures""")) {
            s.setString(1, user);
            s.setString(2, ANY_SOURCE);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** The network an address is in, as a key: its IPv4 /24 or IPv6 /64. */
    static String network(String address) {
        if (address == null) {
            return NETWORK + "unknown";
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address); // a literal only: never a DNS lookup
        if (bytes == null) {
            return NETWORK + capped(address);
        }
        if (bytes.length == 16 && Arrays.equals(Arrays.copyOf(bytes, 12), MAPPED_PREFIX)) {
            bytes = Arrays.copyOfRange(bytes, 12, 16); // ::ffff:a.b.c.d is the IPv4 address it carries
        }
        int keep = bytes.length == 4 ? 3 : 8;
        StringBuilder key = new StringBuilder(NETWORK);
        for (int i = 0; i < keep; i++) {
            key.append(String.format("%02x", bytes[i]));
        }
        return key.append('/').append(keep * 8).toString();
    }

    /** One failure more, and the lock it earns: the first lock, then twice the last one, at most an hour. */
    private static void record(Connection c, String user, String source, int threshold, long firstLockMillis)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("""
                insert into login_failure as f (username, source, failures, lock_ms, locked_until)
                values (?, ?, 1, case when 1 >= ? then ? else 0 end,
                        case when 1 >= ? then now() + ? * interval '1 millisecond' end)
                on conflict (username, source) do update set
                    failures = f.failures + 1,
                    lock_ms = case when f.failures + 1 >= ? then least(greatest(f.lock_ms * 2, ?), ?) else f.lock_ms end,
                    locked_until = case when f.failures + 1 >= ?
                        then now() + least(greatest(f.lock_ms * 2, ?), ?) * interval '1 millisecond'
                        else f.locked_until end,
                    updated_at = now()""")) {
            long max = MAX_LOCK.toMillis();
            s.setString(1, user);
            s.setString(2, source);
            s.setInt(3, threshold);
            s.setLong(4, firstLockMillis);
            s.setInt(5, threshold);
            s.setLong(6, firstLockMillis);
            s.setInt(7, threshold);
            s.setLong(8, firstLockMillis);
            s.setLong(9, max);
            s.setInt(10, threshold);
            s.setLong(11, firstLockMillis);
            s.setLong(12, max);
            s.executeUpdate();
        }
    }

    /** One spelling per account name, never longer than the column. */
    static String normalise(String username) {
        String n = username == null ? "" : Normalizer.normalize(username, Normalizer.Form.NFKC).strip().toLowerCase(Locale.ROOT);
        return capped(n);
    }

    private static String source(String address) {
        return capped(address == null ? "unknown" : address);
    }

    /** At most 64 code points, nothing PostgreSQL cannot store (NUL, a lone surrogate). */
    private static String capped(String value) {
        StringBuilder out = new StringBuilder();
        value.codePoints().filter(cp -> cp != 0 && !(cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE))
                .limit(MAX_KEY).forEach(out::appendCodePoint);
        return out.toString();
    }

    static ApiException locked(long millis) {
        return new RateLimitedException(ErrorCode.LOGIN_LOCKED,
                "too many failed logins; try again in " + Math.max(1, millis / 1000) + " s",
                Math.max(1, (millis + 999) / 1000));
    }
}
