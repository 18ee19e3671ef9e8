package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.FromAddress;
import io.switchboard.support.Json;
import jakarta.inject.Inject;

/**
 * Password guessing locks out the guesser, not the account's owner: per (username, address) and per
 * (username, network: IPv4 /24), the network's lock sparing addresses that logged in before; never the whole
 * account. The state is bounded (usernames capped, idle
 * records purged) and lives in PostgreSQL, so every replica sees it. Each client here speaks from its own
 * loopback address (127.0.0.x), as clients behind different NATs would.
 */
@QuarkusTest
class LoginLockoutTest {

    private static final String PASSWORD = "owner-password-1";

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    @Inject
    LoginGuard guard;

    private String newAccount() {
        String username = "owner" + System.nanoTime();
        Api api = new Api(base);
        api.newAgent(api.agentToken(), username, "Owner", PASSWORD); // logs in once from 127.0.0.1: trusted
        return username;
    }

    @Test
    void aGuesserLocksOnlyItsOwnAddress() throws Exception {
        String username = newAccount();
        for (int i = 0; i < 5; i++) {
            assertEquals(401, login("127.0.0.2", username.toUpperCase(Locale.ROOT), "wrong-" + i).status());
        }
        FromAddress.Answer locked = login("127.0.0.2", username, PASSWORD);
        assertEquals(429, locked.status(), locked.body());
        assertEquals("login_locked", Json.parse(locked.body()).get("error").asText());
        // The owner, from elsewhere, is not locked out by someone else's guessing.
        assertEquals(200, login("127.0.0.3", username, PASSWORD).status());
        assertEquals(200, login("127.0.0.1", username, PASSWORD).status());
    }

    @Test
    void guessingFromManyAddressesOfOneNetworkLocksTheNetworkButNotTheOwnersClientThere() throws Exception {
        String username = newAccount();
        Api.expect(200, new Api(base).request("POST", "/api/agents/login", null, Json.object().put("username", username)
                .put("password", PASSWORD).toString())); // (from 127.0.0.1, as newAccount: trusted)
        // 20 failures, 4 per address of 127.0.1.0/24: no address is locked on its own (5), the network (20) is.
        for (int n = 0; n < 20; n++) {
            assertEquals(401, login("127.0.1." + (10 + n / 4), username, "botnet-" + n).status(), "failure " + n);
        }
        FromAddress.Answer stranger = login("127.0.1.200", username, PASSWORD);
        assertEquals(429, stranger.status(), "a never-seen address of the guessing network waits");
        assertEquals("login_locked", Json.parse(stranger.body()).get("error").asText());
        assertEquals(200, login("127.0.2.1", username, PASSWORD).status(), "another network is not held");
        assertEquals(200, login("127.0.0.1", username, PASSWORD).status(), "the owner's known client gets in");
    }

    /**
     * #27: no lock covers the whole account. Guessing from many networks — more failures than the old account
     * threshold (50), then one wrong password more at every turn — never keeps the owner out of an address she has
     * never used. (One wrong password per lock period kept the admin out of every new address indefinitely.)
     */
    @Test
    void guessingFromEverywhereNeverLocksTheOwnerOutOfANewAddress() throws Exception {
        String username = newAccount();
        for (int n = 0; n < 60; n++) { // 4 per address, one address per network: nothing is locked
            assertEquals(401, login("127.0." + (10 + n / 4) + ".1", username, "botnet-" + n).status(), "failure " + n);
        }
        for (int round = 0; round < 3; round++) {
            assertEquals(401, login("127.0.30." + (1 + round), username, "again-" + round).status());
            assertEquals(200, login("127.0.40." + (1 + round), username, PASSWORD).status(),
                    "the owner, from an address she never used, round " + round);
        }
    }

    @Test
    void theGuardsStateIsBoundedAndForgotten() throws Exception {
        // Huge and odd usernames are capped before they are stored; they still count.
        String huge = "x".repeat(30_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(401, login("127.0.0.4", huge + i, "wrong").status());
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select max(length(username)), count(*) from login_failure where source = '127.0.0.4'")) {
            r.next();
            assertTrue(r.getInt(1) <= 64, "stored username length " + r.getInt(1));
            assertEquals(1, r.getInt(2), "one capped key: all three share their first 64 characters");
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("update login_failure set updated_at = now() - interval '2 days' where source = '127.0.0.4'");
        }
        guard.purge();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select count(*) from login_failure where source = '127.0.0.4'")) {
            r.next();
            assertEquals(0, r.getInt(1));
        }
    }

    /** POST /api/agents/login from {@code source}: the server sees that address. */
    private FromAddress.Answer login(String source, String username, String password) {
        return FromAddress.request(base, source, "POST", "/api/agents/login", Map.of("Content-Type", "application/json"),
                Json.object().put("username", username).put("password", password).toString());
    }
}
