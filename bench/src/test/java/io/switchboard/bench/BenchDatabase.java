package io.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The benchmark's PostgreSQL: the same embedded binaries as the service's dev default, in a process of its
 * own, so the JVM and the native executable are measured against the same database (the native build does
 * not contain the embedded one). Writes its port to {@code bench.db-port-file}, then runs until killed.
 */
public final class BenchDatabase {

    public static void main(String[] args) throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "200")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception e) {
                // the process is ending anyway
            }
        }, "bench-db-stop"));
        Files.writeString(Path.of(System.getProperty("bench.db-port-file", "bench-db.port")), String.valueOf(postgres.getPort()));
        System.out.println("bench PostgreSQL on port " + postgres.getPort());
        Thread.currentThread().join();
    }
}
