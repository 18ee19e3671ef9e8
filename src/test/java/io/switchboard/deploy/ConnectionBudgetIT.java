package io.switchboard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.switchboard.support.Api;
import io.switchboard.support.AppInstance;
import io.switchboard.support.ConnectionBudget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The connection budget on a real PostgreSQL: {@code max_connections} set as docs/deploy.md's formula says for two
 * replicas and one more surging in a rollout; three instances start, each holding its whole JDBC pool
 * (min-size = max-size: the worst case) and driving its reactive pool with concurrent requests. Every
 * request is served and the database never refuses a connection. (With the old pools, 20 + 20 + 1 per
 * replica, the third replica was refused.)
 */
class ConnectionBudgetIT {

    /** PostgreSQL's "too many connections" SQLSTATE, not part of a longer number. */
    private static final java.util.regex.Pattern REFUSED = java.util.regex.Pattern.compile("(?<![0-9])53300(?![0-9])");

    private static final int PODS = 3;
    private static final int CONCURRENT = 40;
    private static final long LOAD_MILLIS = 5_000;

    @Test
    void threeReplicasFitTheDocumentedMaxConnections() throws Exception {
        int maxConnections = ConnectionBudget.maxConnectionsFor(PODS);
        List<AppInstance> pods = new ArrayList<>();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(Files.createTempDirectory("switchboard-budget-db")).setCleanDataDirectory(true)
                .setServerConfig("max_connections", Integer.toString(maxConnections)).start();
                Connection watcher = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"))) {
            Map<String, String> fullJdbcPool = Map.of("QUARKUS_DATASOURCE_JDBC_MIN_SIZE", Integer.toString(ConnectionBudget.jdbc()),
                    "QUARKUS_DATASOURCE_JDBC_INITIAL_SIZE", Integer.toString(ConnectionBudget.jdbc()));
            for (int i = 0; i < PODS; i++) {
                pods.add(AppInstance.start("budget-" + i, postgres.getPort(), fullJdbcPool));
            }
            Api api = pods.get(0).api();
            Api.Visitor visitor = api.newVisitor();
            long conversation = api.conversation(visitor.token());

            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicInteger peak = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(PODS * CONCURRENT);
            List<Future<?>> clients = new ArrayList<>();
            long end = System.currentTimeMillis() + LOAD_MILLIS;
            for (AppInstance pod : pods) {
                for (int c = 0; c < CONCURRENT; c++) {
                    clients.add(load.submit(() -> {
                        while (System.currentTimeMillis() < end) {
                            // Each is a token check and two reads on the reactive pool.
                            HttpResponse<String> answer = pod.api().get(visitor.token(),
                                    "/api/conversations/" + conversation + "/queue");
                            statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                        }
                        return null;
                    }));
                }
            }
            try (Statement count = watcher.createStatement()) {
                while (System.currentTimeMillis() < end) {
                    try (ResultSet rows = count.executeQuery(
                            "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
                        rows.next();
                        peak.accumulateAndGet(rows.getInt(1), Math::max);
                    }
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS);
            }
            load.shutdownNow();

            System.out.printf("connection budget: max_connections %d (%d pods x %d + %d); peak %d connections; answers %s%n",
                    maxConnections, PODS, ConnectionBudget.perReplica(), ConnectionBudget.HEADROOM, peak.get(), statuses);
            assertEquals(Set.of(200), statuses.keySet(), "every request served: " + statuses);
            assertTrue(peak.get() <= PODS * ConnectionBudget.perReplica(), "peak " + peak.get());
            for (AppInstance pod : pods) {
                assertTrue(pod.process().isAlive(), pod.name());
                // SQLSTATE 53300 as a code, not as five digits inside a timestamp ("…01.533003999Z" failed this once).
                assertFalse(pod.log().contains("too many clients") || REFUSED.matcher(pod.log()).find(),
                        pod.name() + " was refused a connection; see target/it-logs/" + pod.name() + ".log");
            }
        } finally {
            pods.forEach(AppInstance::close);
        }
    }
}
