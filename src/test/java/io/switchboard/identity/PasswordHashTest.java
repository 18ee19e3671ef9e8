package io.switchboard.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RateLimitedException;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.support.Api;
import io.switchboard.support.Json;
import jakarta.inject.Inject;

/** Agent passwords: Argon2id over every byte, legacy bcrypt hashes upgraded on login, a bounded hasher. */
@QuarkusTest
class PasswordHashTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    DataSource dataSource;

    /** bcrypt read only the first 72 bytes: 32 CJK characters are 96, so the last 8 did not count. */
    @Test
    void everyCharacterOfALongPasswordCounts() throws Exception {
        Api api = new Api(base);
        String password = "我的密码是一个很长的句子因为我喜欢写长的东西所以它有三十二个字符";
        assertEquals(32, password.length());
        String username = "cjk-" + System.nanoTime() % 100000;
        api.newAgent(api.agentToken(), username, "CJK", password);
        assertEquals(200, login(api, username, password));
        String lastEightChanged = password.substring(0, 24) + "这是另外八个字符";
        assertEquals(401, login(api, username, lastEightChanged));
        assertTrue(hashOf(username).startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hashOf(username));
    }

    @Test
    void aBcryptHashFromBeforeStillLogsInAndIsStoredAgainAsArgon2id() throws Exception {
        Api api = new Api(base);
        String username = "legacy-" + System.nanoTime() % 100000;
        try (Connection c = dataSource.getConnection(); PreparedStatement insert = c.prepareStatement(
                "insert into agent (username, display_name, password_hash, role) values (?, 'Legacy', ?, 'agent')")) {
            insert.setString(1, username);
            insert.setString(2, BcryptUtil.bcryptHash("old-password-1"));
            insert.executeUpdate();
        }
        assertEquals(401, login(api, username, "old-password-2"));
        assertTrue(hashOf(username).startsWith("$2"), "a failed login must not touch the hash");
        assertEquals(200, login(api, username, "old-password-1"));
        assertTrue(hashOf(username).startsWith("$argon2id$"), "not rehashed: " + hashOf(username));
        assertEquals(200, login(api, username, "old-password-1"));
        assertEquals(401, login(api, username, "old-password-2"));
    }

    @Test
    void passwordsAreEightTo256Characters() {
        Api api = new Api(base);
        String admin = api.agentToken();
        for (String bad : new String[] { "short", "x".repeat(257) }) {
            var response = api.request("POST", "/api/agents", admin, Json.object().put("username", "p" + bad.length())
                    .put("name", "P").put("password", bad).toString());
            assertEquals(400, response.statusCode());
            assertEquals("invalid_password", Json.parse(response.body()).get("error").asText());
        }
    }

    /** The hasher's budget: with every turn taken, the next caller waits its time and is refused, not queued. */
    @Test
    void whenEveryTurnIsTakenTheNextHashIsRefusedAfterItsWait() throws Exception {
        Semaphore turns = new Semaphore(2);
        PasswordHasher hasher = new PasswordHasher(params(Duration.ofMillis(200)), turns);
        String stored = hasher.hash("a-password");
        assertTrue(hasher.matches("a-password", stored));
        turns.acquire(2);
        try {
            RateLimitedException refused = assertThrows(RateLimitedException.class, () -> hasher.matches("a-password", stored));
            assertEquals(ErrorCode.OVERLOADED, refused.errorCode());
            assertThrows(RateLimitedException.class, () -> hasher.hash("another"));
        } finally {
            turns.release(2);
        }
        assertTrue(hasher.matches("a-password", stored), "the turns are free again");
        assertEquals(2, turns.availablePermits(), "a refused or finished hash leaks no turn");
    }

    @Test
    void hashesAreSaltedAndRehashIsAskedForOtherParameters() {
        PasswordHasher hasher = new PasswordHasher(params(Duration.ofSeconds(5)), new Semaphore(2));
        String one = hasher.hash("same");
        String two = hasher.hash("same");
        assertTrue(!one.equals(two), "two hashes of one password must differ (salt)");
        assertTrue(!hasher.needsRehash(one));
        assertTrue(hasher.needsRehash(one.replace("m=1024,", "m=2048,")));
        assertTrue(hasher.needsRehash(BcryptUtil.bcryptHash("same")));
        assertTrue(!hasher.matches("same", "not a hash"));
        assertTrue(!hasher.matches("same", null));
    }

    private static SwitchboardConfig.Agents.PasswordHash params(Duration wait) {
        return new SwitchboardConfig.Agents.PasswordHash() {
            public int memoryKib() { return 1024; }
            public int iterations() { return 1; }
            public int parallelism() { return 1; }
            public int concurrency() { return 2; }
            public Duration waitForTurn() { return wait; }
        };
    }

    private int login(Api api, String username, String password) {
        return api.request("POST", "/api/agents/login", null, Json.write(Map.of("username", username, "password", password)))
                .statusCode();
    }

    private String hashOf(String username) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement q = c.prepareStatement("select password_hash from agent where username = ?")) {
            q.setString(1, username);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getString(1);
            }
        }
    }
}
