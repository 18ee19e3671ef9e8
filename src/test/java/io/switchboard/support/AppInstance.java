package io.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}) started as a real, separate process
 * in the production profile, against a given PostgreSQL: a replica.
 */
public final class AppInstance implements AutoCloseable {

    private final String name;
    private final int port;
    private final int managementPort;
    private final Process process;
    private final Path log;

    private AppInstance(String name, int port, int managementPort, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the packaged application: the native executable when the build is native
     * ({@code -Dnative}), otherwise the JVM jar.
     */
    public static AppInstance start(String name, int dbPort) {
        return start(name, dbPort, Map.of());
    }

    /** Starts the packaged application with extra environment variables, and waits until it is ready. */
    public static AppInstance start(String name, int dbPort, Map<String, String> env) {
        AppInstance instance = launch(name, dbPort, env);
        instance.awaitReady();
        return instance;
    }

    /** Starts the packaged application with extra environment variables, without waiting for it. */
    public static AppInstance launch(String name, int dbPort, Map<String, String> env) {
        boolean nativeBuild = Boolean.getBoolean("switchboard.native");
        String artifact = nativeBuild ? System.getProperty("native.image.path")
                : System.getProperty("quarkus.app.jar", "target/quarkus-app/quarkus-run.jar");
        if (artifact == null || !Files.exists(Path.of(artifact))) {
            throw new IllegalStateException("package the application first: " + artifact + " is missing");
        }
        int port = freePort();
        int managementPort = freePort();
        try {
            Path logs = Files.createDirectories(Path.of("target", "it-logs"));
            Path log = logs.resolve(name + ".log");
            List<String> command = new ArrayList<>();
            if (nativeBuild) {
                command.add(Path.of(artifact).toAbsolutePath().toString());
            } else {
                command.add(ProcessHandle.current().info().command().orElse("java"));
            }
            command.add("-Xmx256m"); // the k8s memory limit's heap, on the JVM and the native executable alike
            command.add("-Dquarkus.http.port=" + port);
            command.add("-Dquarkus.http.host=127.0.0.1");
            command.add("-Dquarkus.management.port=" + managementPort);
            command.add("-Dquarkus.management.host=127.0.0.1");
            if (!nativeBuild) {
                command.add("-jar");
                command.add(artifact);
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + dbPort + "/postgres");
            builder.environment().put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + dbPort + "/postgres");
            builder.environment().put("QUARKUS_DATASOURCE_USERNAME", "postgres");
            builder.environment().put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
            builder.environment().put("SWITCHBOARD_AGENTS_ADMIN_PASSWORD", Api.ADMIN_PASSWORD);
            // The drills push one agent's traffic far beyond a person's send rate.
            builder.environment().put("SWITCHBOARD_LIMITS_SENDS_PER_SECOND", "100000");
            builder.environment().put("SWITCHBOARD_LIMITS_SENDS_BURST", "100000");
            builder.environment().putAll(env);
            return new AppInstance(name, port, managementPort, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the instance answers its readiness check (for instances launched together). */
    public void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await(name + " ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
            }
            try {
                return http.send(HttpRequest.newBuilder(management().resolve("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /** Health and metrics: the management port, not the public one. */
    public URI management() {
        return URI.create("http://127.0.0.1:" + managementPort + "/");
    }

    public Api api() {
        return new Api(base());
    }

    public Process process() {
        return process;
    }

    public String name() {
        return name;
    }

    /** SIGTERM: the deploy-time shutdown (rolling update), and waits for the process to end. */
    public void terminate() {
        process.destroy();
        awaitExit();
    }

    /** SIGKILL: a crash, no drain. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
