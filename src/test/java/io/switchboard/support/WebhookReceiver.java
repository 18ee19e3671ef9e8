package io.switchboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver on a real socket in the test JVM: records every request (headers and body) in arrival
 * order, answers with the status {@link #answers} gives for the request's number (1, 2, …), and can hold
 * one request unanswered until {@link #release} (then closed without an answer, recorded as answered 0). Verifies Standard Webhooks signatures with the JDK's HMAC,
 * written from the specification — independently of the service's code.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as it arrived. */
    public record Delivery(String id, long timestamp, String signature, String body, int answered) {
        public JsonNode json() {
            return Json.parse(body);
        }

        public String type() {
            return json().get("type").asText();
        }

        public long eventId() {
            return Long.parseLong(id.substring("evt_".length()));
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Delivery> deliveries = new ArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile IntUnaryOperator answers = n -> 200;
    private volatile CountDownLatch hold = new CountDownLatch(0);
    private volatile int holdRequest = -1;

    public WebhookReceiver() throws IOException {
        this("127.0.0.1", 0);
    }

    /** A receiver on this loopback address and port (0: any free one). */
    public WebhookReceiver(String host, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 50);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                int n = count.incrementAndGet();
                boolean held = n == holdRequest;
                if (held) {
                    try {
                        hold.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                // A held request is recorded as never answered (0): its sender may be gone by now.
                int status = held ? 0 : answers.applyAsInt(n);
                var headers = exchange.getRequestHeaders();
                synchronized (deliveries) {
                    deliveries.add(new Delivery(headers.getFirst("webhook-id"), Long.parseLong(headers.getFirst("webhook-timestamp")),
                            headers.getFirst("webhook-signature"), body, status));
                }
                if (held) {
                    return;
                }
                if (status >= 300 && status < 400 && location != null) {
                    exchange.getResponseHeaders().add("Location", location.toString());
                }
                byte[] answer = (status >= 300 ? "receiver says no (" + status + ")" : "ok").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    private volatile URI location;

    public int port() {
        return server.getAddress().getPort();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/switchboard");
    }

    /** A 3xx answer carries {@code Location: target} (a redirect the sender must not follow). */
    public void redirectsTo(URI target) {
        this.location = target;
    }

    public void answers(IntUnaryOperator statusForRequestNumber) {
        this.answers = statusForRequestNumber;
    }

    /** Request number {@code n} (1-based) gets no answer until {@link #release()}. */
    public void hold(int n) {
        hold = new CountDownLatch(1);
        holdRequest = n;
    }

    public void release() {
        hold.countDown();
    }

    public int requests() {
        return count.get();
    }

    public List<Delivery> deliveries() {
        synchronized (deliveries) {
            return List.copyOf(deliveries);
        }
    }

    /** The events acknowledged with a 2xx, in arrival order. */
    public List<Delivery> accepted() {
        return deliveries().stream().filter(d -> d.answered() >= 200 && d.answered() < 300).toList();
    }

    /** Does one of the signature header's {@code v1,} signatures match this secret? */
    public static boolean verifies(String secret, Delivery d) {
        String expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            expected = Base64.getEncoder().encodeToString(
                    mac.doFinal((d.id() + "." + d.timestamp() + "." + d.body()).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (String signature : d.signature().split(" ")) {
            if (signature.equals("v1," + expected)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
