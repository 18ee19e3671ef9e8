package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.switchboard.support.AppInstance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The packaged artifact starts three times in a row against a migrated database, answers its health check each
 * time and stops cleanly on SIGTERM; what that costs is measured, not asserted (this machine is shared): time from
 * launch to the first successful HTTP response, RSS after that first request, and the artifact's size. Written
 * to target/figures/startup-{jvm,native}.json; .ci/run prints JVM and native side by side.
 */
class StartupFiguresIT {

    @Test
    void thePackagedArtifactStartsAnswersAndStopsCleanlyThreeTimesAndItsStartupFiguresAreRecorded() throws Exception {
        boolean nativeBuild = Boolean.getBoolean("switchboard.native");
        Path artifact = Path.of(nativeBuild ? System.getProperty("native.image.path")
                : System.getProperty("quarkus.app.jar", "target/quarkus-app/quarkus-run.jar"));
        long size = nativeBuild ? Files.size(artifact) : directorySize(artifact.getParent());
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-startup-db")).setCleanDataDirectory(true).start()) {
            // A first run migrates the schema, so the measured runs start against a ready database.
            int port = AppInstance.freePort();
            Process migrating = runOnce(artifact, nativeBuild, postgres.getPort(), port);
            awaitFirstResponse(port, System.nanoTime(), migrating);
            assertStopsCleanly(migrating);
            List<long[]> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int p = AppInstance.freePort();
                long start = System.nanoTime();
                Process process = runOnce(artifact, nativeBuild, postgres.getPort(), p);
                long firstResponseMs = awaitFirstResponse(p, start, process);
                long rssKb = rssKb(process.pid());
                assertTrue(rssKb > 0, "no VmRSS for the running process " + process.pid());
                runs.add(new long[] { firstResponseMs, rssKb });
                assertStopsCleanly(process);
            }
            long[] best = runs.stream().min((x, y) -> Long.compare(x[0], y[0])).orElseThrow();
            String kind = nativeBuild ? "native" : "jvm";
            String json = String.format("{\"kind\":\"%s\",\"sizeBytes\":%d,\"firstResponseMs\":%d,\"rssKb\":%d,"
                    + "\"runs\":%d,\"allFirstResponseMs\":%s}", kind, size, best[0], best[1], runs.size(),
                    runs.stream().map(r -> Long.toString(r[0])).toList());
            Files.createDirectories(Path.of("target", "figures"));
            Files.writeString(Path.of("target", "figures", "startup-" + kind + ".json"), json);
            System.out.println("STARTUP " + json);
            assertTrue(size > 0, "the artifact " + artifact + " is empty");
        }
    }

    /**
     * SIGTERM, as Kubernetes sends it: the process runs its shutdown (drain, pools) and exits within the
     * shutdown delay and timeout (3 s + 10 s) with 0, or 143 (the JVM's status after a SIGTERM it handled).
     */
    private static void assertStopsCleanly(Process process) throws InterruptedException {
        process.destroy();
        assertTrue(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "still running 30 s after SIGTERM");
        int status = process.exitValue();
        assertTrue(status == 0 || status == 143, "exited with " + status + " after SIGTERM");
    }

    private static Process runOnce(Path artifact, boolean nativeBuild, int dbPort, int port) throws IOException {
        List<String> command = new ArrayList<>();
        if (nativeBuild) {
            command.add(artifact.toAbsolutePath().toString());
        } else {
            command.add(ProcessHandle.current().info().command().orElse("java"));
        }
        command.add("-Dquarkus.http.port=" + AppInstance.freePort());
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.management.port=" + port); // health answers here: the first response counted
        command.add("-Dquarkus.management.host=127.0.0.1");
        if (!nativeBuild) {
            command.add("-jar");
            command.add(artifact.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + dbPort + "/postgres");
        builder.environment().put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + dbPort + "/postgres");
        builder.environment().put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        builder.environment().put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        return builder.start();
    }

    private static long awaitFirstResponse(int port, long start, Process process) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live")).build();
        long deadline = start + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the application exited during startup");
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
            } catch (IOException notYet) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
            }
        }
        throw new IllegalStateException("no response within 60 s");
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long directorySize(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
