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
import java.util.Map;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for the object-store option: S3Proxy (from Maven Central, copied to
 * {@code target/s3proxy/s3proxy.jar} by the build) in its own process, keeping objects in memory, with AWS
 * Signature V4 authentication on; a bucket made for the test. Stopped with the test.
 */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "switchboard-test";
    public static final String ACCESS_KEY = "switchboard-access";
    public static final String SECRET_KEY = "switchboard-secret-key";

    private Process process;
    /** The running server's address (tests in this JVM list what it stores). */
    private static volatile URI endpoint;
    /** Between the service and the server, so a test can take the object store away and bring it back intact. */
    private static volatile TcpProxy network;

    /** The network between the service and the object store (cut it for an outage; the objects stay). */
    public static TcpProxy network() {
        return network;
    }

    public static URI endpoint() {
        return endpoint;
    }

    @Override
    public Map<String, String> start() {
        Path jar = Path.of("target", "s3proxy", "s3proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build (generate-test-resources copies it)");
        }
        try {
            int port = freePort();
            Path properties = Files.createTempFile("s3proxy", ".properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=transient",
                    "jclouds.identity=unused",
                    "jclouds.credential=unused", ""));
            Path log = Path.of("target", "s3proxy", "s3proxy.log");
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            URI address = URI.create("http://127.0.0.1:" + port);
            awaitUp(address, log);
            endpoint = address;
            try (S3Client s3 = client(address)) {
                s3.createBucket(r -> r.bucket(BUCKET));
            }
            network = new TcpProxy(port);
            return Map.of("switchboard.attachments.store", "s3",
                    "switchboard.attachments.s3.bucket", BUCKET,
                    "switchboard.attachments.s3.endpoint", "http://127.0.0.1:" + network.port(),
                    "switchboard.attachments.s3.access-key-id", ACCESS_KEY,
                    "switchboard.attachments.s3.secret-access-key", SECRET_KEY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client of the test's server, to look at what is stored. */
    public static S3Client client(URI endpoint) {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.builder().build()).region(Region.US_EAST_1)
                .forcePathStyle(true).endpointOverride(endpoint)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    private static void awaitUp(URI endpoint, Path log) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try {
            // any answer (403 without a signature) means it listens
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(2)).GET().build(),
                            HttpResponse.BodyHandlers.discarding()) != null);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("S3Proxy did not start within 60 s:\n" + Files.readString(log), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void stop() {
        if (network != null) {
            network.close();
            network = null;
        }
        if (process != null) {
            process.destroy();
        }
    }
}
