package io.switchboard.support;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The PostgreSQL connections one replica may open, from the shipped configuration (application.properties):
 * the JDBC pool's maximum, the reactive pool's maximum and the LISTEN connection; and the formula README's
 * Deploy section gives: {@code max_connections ≥ (replicas + surge) × per replica + headroom}.
 */
public final class ConnectionBudget {

    /** Connections kept free for the operator, backups and monitoring (PostgreSQL reserves 3 of them). */
    public static final int HEADROOM = 10;

    private ConnectionBudget() {
    }

    public static int jdbc() {
        return Integer.parseInt(shipped().getProperty("quarkus.datasource.jdbc.max-size"));
    }

    public static int reactive() {
        return Integer.parseInt(shipped().getProperty("quarkus.datasource.reactive.max-size"));
    }

    public static int perReplica() {
        return jdbc() + reactive() + 1;
    }

    /** What max_connections must be for this many pods at once (a rollout's surge included). */
    public static int maxConnectionsFor(int pods) {
        return pods * perReplica() + HEADROOM;
    }

    private static Properties shipped() {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : properties.stringPropertyNames()) {
            if (name.matches("%(prod|dev)\\.quarkus\\.datasource\\..*max-size")) {
                throw new IllegalStateException(name + ": a profile changes a pool size; the budget reads the shared value");
            }
        }
        return properties;
    }
}
