package io.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The test database: a real PostgreSQL (zonky embedded binaries) for the whole suite, unless
 * {@code SWITCHBOARD_TEST_JDBC_URL} and {@code SWITCHBOARD_TEST_REACTIVE_URL} point at an external one.
 * It can be stopped and started again with its data kept, to test outages.
 */
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedPostgres postgres;
    private static Path dataDirectory;
    private static int port;

    private static boolean logsCleared;

    /** The log of this run only: LogHygieneTest greps it, so stale lines from earlier runs must go. */
    private static synchronized void clearTestLogsOnce() {
        if (logsCleared) {
            return;
        }
        logsCleared = true;
        Path logs = Path.of("target", "test-logs");
        if (Files.isDirectory(logs)) {
            try (var files = Files.list(logs)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public Map<String, String> start() {
        clearTestLogsOnce();
        String externalJdbc = System.getenv("SWITCHBOARD_TEST_JDBC_URL");
        if (externalJdbc != null) {
            return Map.of("quarkus.datasource.jdbc.url", externalJdbc,
                    "quarkus.datasource.reactive.url", System.getenv("SWITCHBOARD_TEST_REACTIVE_URL"),
                    "quarkus.datasource.username", System.getenv().getOrDefault("SWITCHBOARD_TEST_DB_USER", "postgres"),
                    "quarkus.datasource.password", System.getenv().getOrDefault("SWITCHBOARD_TEST_DB_PASSWORD", "postgres"));
        }
        try {
            dataDirectory = Files.createTempDirectory("switchboard-test-db");
            port = startDatabase(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.reactive.url", "postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    private static synchronized int startDatabase(int wantedPort) throws IOException {
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(wantedPort)
                .start();
        return postgres.getPort();
    }

    /** Stops the database, keeping its data; {@link #startDatabaseAgain()} brings it back on the same port. */
    public static synchronized void stopDatabase() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    public static synchronized void startDatabaseAgain() throws IOException {
        if (postgres == null) {
            startDatabase(port);
        }
    }

    public static boolean embedded() {
        return dataDirectory != null;
    }

    public static int port() {
        return port;
    }

    /** Stops the database and deletes its data: each Quarkus boot of the suite starts a database of its own. */
    @Override
    public void stop() {
        try {
            stopDatabase();
            if (dataDirectory != null) {
                try (var files = Files.walk(dataDirectory)) {
                    for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(file);
                    }
                }
                dataDirectory = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
