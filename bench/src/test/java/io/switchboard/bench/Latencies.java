package io.switchboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one simulation measured, beyond Gatling's own request timings: every message carries its send time
 * in its clientMsgId ({@code b<role>-<epochMillis>-<conversation>-<n>}), so each receiver knows the
 * send → stored → fanned out → received latency, for its own messages and for the other party's.
 * Client and server share this machine's clock, and both timestamps are taken in this JVM.
 */
public final class Latencies {

    private static final Pattern ID = Pattern.compile("b([va])-(\\d{13})-(\\d+)-(\\d+)");

    private final Map<String, Samples> series = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public static String id(String role, long conversation, long n) {
        return "b" + role.charAt(0) + "-" + System.currentTimeMillis() + "-" + conversation + "-" + n;
    }

    public void sent() {
        sent.incrementAndGet();
    }

    public void error() {
        errors.incrementAndGet();
    }

    public void record(String name, long millis) {
        series.computeIfAbsent(name, k -> new Samples()).add(millis);
    }

    /**
     * Every clientMsgId in {@code payload} received at {@code at} by a receiver of {@code role}: one sample
     * in "own" (the receiver's party sent it) or "cross", and a delivery counted once per receiver.
     */
    public void received(String payload, long at, String role, String receiver) {
        Matcher m = ID.matcher(payload);
        while (m.find()) {
            String key = receiver + "/" + m.group();
            if (!seen.add(key)) {
                duplicates.incrementAndGet();
                continue;
            }
            received.incrementAndGet();
            long latency = at - Long.parseLong(m.group(2));
            record(m.group(1).charAt(0) == role.charAt(0) ? "own" : "cross", latency);
        }
    }

    public long sentCount() {
        return sent.get();
    }

    public long receivedCount() {
        return received.get();
    }

    /** A JSON summary: counts and p50/p95/p99/max per series, in milliseconds. */
    public void write(Path file, Map<String, Object> parameters) {
        StringBuilder json = new StringBuilder("{");
        parameters.forEach((k, v) -> json.append('"').append(k).append("\":")
                .append(v instanceof Number ? v.toString() : "\"" + v + "\"").append(','));
        json.append("\"sent\":").append(sent.get()).append(",\"received\":").append(received.get())
                .append(",\"duplicates\":").append(duplicates.get()).append(",\"errors\":").append(errors.get());
        Map<String, Samples> ordered = new LinkedHashMap<>();
        series.keySet().stream().sorted().forEach(k -> ordered.put(k, series.get(k)));
        ordered.forEach((name, samples) -> json.append(",\"").append(name).append("\":").append(samples.summary()));
        json.append("}\n");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("bench summary " + file + ": " + json);
    }

    /** Latency samples in milliseconds. */
    static final class Samples {
        private long[] values = new long[1024];
        private int size;

        synchronized void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        synchronized String summary() {
            long[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return "{\"count\":" + size + ",\"p50\":" + at(sorted, 0.50) + ",\"p95\":" + at(sorted, 0.95) + ",\"p99\":"
                    + at(sorted, 0.99) + ",\"max\":" + (size == 0 ? 0 : sorted[size - 1]) + "}";
        }

        private static long at(long[] sorted, double q) {
            return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
        }
    }
}
