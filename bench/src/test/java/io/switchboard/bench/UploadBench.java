package io.switchboard.bench;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Streamed uploads (#15): {@code bench.uploads} visitors (default 24, under the replica's 32 at once) each
 * upload one file of {@code bench.size-mb} MB (default 10, the production limit) at the same time. Every
 * upload stops sending at {@code bench.pause-mb} MB until all of them got there and the service's heap
 * after a full GC has been sampled (ServerProbe), then finishes. Prints the heap before and at that point
 * (per upload in flight), the rate once released, and the load generator's own CPU; writes
 * {@code bench.out} as JSON. An upload that buffered its body would show its megabytes in the heap.
 */
public final class UploadBench {

    private static final int MB = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        String base = Fixture.setting("base", "http://127.0.0.1:8080");
        int uploads = Fixture.setting("uploads", 24);
        int size = Fixture.setting("size-mb", 10) * MB;
        int pauseAt = Fixture.setting("pause-mb", 6) * MB;
        ServerProbe probe = new ServerProbe(Fixture.setting("server-pid", ""));
        Fixture fixture = new Fixture(base);
        List<Map<String, Object>> visitors = new ArrayList<>();
        for (Map<String, Object> party : fixture.parties(uploads, null)) {
            if ("visitor".equals(party.get("role"))) {
                visitors.add(party);
            }
        }
        long cpu0 = processCpuNanos();
        Map<String, Long> before = probe.sample();
        CountDownLatch reached = new CountDownLatch(uploads);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newCachedThreadPool();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            Map<String, Object> v = visitors.get(i);
            // One client per upload: a body publisher blocked in read() holds its client's thread.
            HttpClient http = HttpClient.newBuilder().executor(threads).build();
            InputStream body = new Generated(size, pauseAt, i, reached, release);
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/conversations/" + v.get("conv")
                    + "/attachments?name=bench-" + i + ".pdf"))
                    .header("Authorization", "Bearer " + v.get("token")).header("Content-Type", "application/pdf")
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), size))
                    .build();
            answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        if (!reached.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(reached.getCount() + " uploads did not reach " + pauseAt / MB + " MB");
        }
        Thread.sleep(1000); // the last chunks in flight reach the store
        Map<String, Long> midway = probe.sample();
        long released = System.nanoTime();
        release.countDown();
        int stored = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get(300, TimeUnit.SECONDS);
            if (r.statusCode() == 201) {
                stored++;
            } else {
                System.out.println("upload answered " + r.statusCode() + " " + r.body());
            }
        }
        double seconds = (System.nanoTime() - released) / 1e9;
        threads.shutdownNow();
        double generatorCpu = (processCpuNanos() - cpu0) / 1e9;
        long heapBefore = before.getOrDefault("heapUsedKb", -1L);
        long heapMidway = midway.getOrDefault("heapUsedKb", -1L);
        double perUploadKb = heapBefore < 0 || heapMidway < 0 ? Double.NaN : (heapMidway - heapBefore) / (double) uploads;
        double rest = (double) (size - pauseAt) * uploads / MB;
        System.out.printf("uploads: %d × %d MB at once, paused at %d MB; %d stored%n", uploads, size / MB, pauseAt / MB, stored);
        System.out.printf("  service heap after GC: %d KB before, %d KB with %d uploads %d MB in (%+.0f KB per upload)%n",
                heapBefore, heapMidway, uploads, pauseAt / MB, perUploadKb);
        System.out.printf("  service RSS: %d KB before, %d KB midway%n", before.getOrDefault("rssKb", -1L),
                midway.getOrDefault("rssKb", -1L));
        System.out.printf("  the last %.0f MB in %.1f s (%.1f MB/s); load generator CPU %.1f s%n", rest, seconds, rest / seconds,
                generatorCpu);
        String out = Fixture.setting("out", "");
        if (!out.isEmpty()) {
            Files.writeString(Path.of(out), String.format(java.util.Locale.ROOT,
                    "{\"uploads\":%d,\"sizeMb\":%d,\"pauseMb\":%d,\"stored\":%d,\"heapBeforeKb\":%d,\"heapMidwayKb\":%d,"
                            + "\"heapPerUploadKb\":%.0f,\"rssBeforeKb\":%d,\"rssMidwayKb\":%d,\"mbPerSecond\":%.1f,\"generatorCpuSeconds\":%.1f}%n",
                    uploads, size / MB, pauseAt / MB, stored, heapBefore, heapMidway, perUploadKb,
                    before.getOrDefault("rssKb", -1L), midway.getOrDefault("rssKb", -1L), rest / seconds, generatorCpu));
        }
        System.exit(stored == uploads ? 0 : 1);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A PDF-looking body of random bytes that stops at {@code pauseAt} until released. */
    private static final class Generated extends InputStream {
        private final int size;
        private final int pauseAt;
        private final Random random;
        private final CountDownLatch reached;
        private final CountDownLatch release;
        private int position;
        private boolean paused;

        Generated(int size, int pauseAt, long seed, CountDownLatch reached, CountDownLatch release) {
            this.size = size;
            this.pauseAt = pauseAt;
            this.random = new Random(seed);
            this.reached = reached;
            this.release = release;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            if (position >= pauseAt && !paused) {
                paused = true;
                reached.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
            int limit = position < pauseAt ? pauseAt : size;
            int n = Math.min(Math.min(len, 64 * 1024), limit - position);
            byte[] chunk = new byte[n];
            random.nextBytes(chunk);
            if (position == 0) {
                byte[] magic = "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(magic, 0, chunk, 0, Math.min(magic.length, n));
            }
            System.arraycopy(chunk, 0, b, off, n);
            position += n;
            return n;
        }
    }
}
