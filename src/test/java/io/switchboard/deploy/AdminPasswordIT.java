package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.switchboard.support.AppInstance;
import io.switchboard.support.Json;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged application in production refuses to start while the admin password is the example Secret's
 * placeholder or too short, and says what to set; a proper one starts (every other IT).
 */
class AdminPasswordIT {

    static EmbeddedPostgres postgres;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(Files.createTempDirectory("switchboard-it-db"))
                .setCleanDataDirectory(true).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** In production (as AppInstance runs it) every log line is a JSON object a collector can parse, the access log too. */
    @Test
    void productionLogsAreJsonLines() throws Exception {
        try (AppInstance app = AppInstance.start("json-logs", postgres.getPort())) {
            assertEquals(401, app.api().get(null, "/api/visitors/me?access_token=secret-token-value").statusCode());
            app.api().newVisitor();
            app.terminate();
            List<String> lines = app.log().lines().filter(l -> !l.isBlank()).toList();
            assertTrue(lines.size() >= 5, "log lines: " + lines.size());
            for (String line : lines) {
                JsonNode record = Json.parse(line);
                assertTrue(record.hasNonNull("level") && record.hasNonNull("message") && record.hasNonNull("loggerName"), line);
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("io.quarkus.http.access-log") && l.contains("/api/visitors")),
                    "the access log is in JSON too");
            assertFalse(app.log().contains("secret-token-value"), "a token reached the log");
        }
    }

    @Test
    void aPlaceholderOrShortAdminPasswordStopsTheStartWithAMessage() throws Exception {
        Map<String, String> refused = Map.of("placeholder", "change-me-admin-password", "short", "Tr0ub4dor&3");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            AppInstance app = AppInstance.launch("admin-password-" + e.getKey(), postgres.getPort(),
                    Map.of("SWITCHBOARD_AGENTS_ADMIN_PASSWORD", e.getValue()));
            try {
                assertTrue(app.process().waitFor(90, TimeUnit.SECONDS), e.getKey() + ": still running; see " + app.log());
                assertNotEquals(0, app.process().exitValue(), e.getKey() + ": exited 0");
                assertTrue(app.log().contains("SWITCHBOARD_AGENTS_ADMIN_PASSWORD"), e.getKey() + ": no message naming the "
                        + "setting in " + app.log());
            } finally {
                app.close();
            }
        }
        try (var rows = postgres.getPostgresDatabase().getConnection().createStatement()
                .executeQuery("select count(*) from agent")) {
            rows.next();
            assertEquals(0, rows.getInt(1), "no admin was seeded with a refused password");
        }
    }
}
