package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * Readiness does not wait in the shared pools' queues: with every reactive connection busy and as many queries
 * again queued behind them, /q/health/ready answers UP while they are still busy (the pool-based check
 * answered DOWN, on every replica at the same time, whenever the pool was this busy).
 */
@QuarkusTest
class ReadinessUnderLoadTest {

    private static final String SLEEP = "select pg_sleep(8) /* readiness-under-load */";

    @Inject
    Pool pool;

    @Inject
    DataSource jdbc;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @ConfigProperty(name = "quarkus.datasource.reactive.max-size")
    int poolSize;

    @Test
    void readinessStaysUpWhileThePoolIsSaturated() throws Exception {
        List<Uni<?>> busy = new ArrayList<>();
        for (int i = 0; i < poolSize * 2; i++) {
            busy.add(pool.query(SLEEP).execute().onFailure().recoverWithNull());
        }
        busy.forEach(q -> q.subscribe().with(rows -> { }, failure -> { }));
        // Saturated: every connection of the reactive pool is in the sleep (seen from PostgreSQL, through
        // the JDBC pool), and the other half of the queries wait for one.
        await().atMost(Duration.ofSeconds(6)).until(() -> sleeping() == poolSize);
        given().get(management.resolve("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        assertEquals(poolSize, sleeping(), "the pool was still saturated when readiness answered");
    }

    /** Reactive connections in the sleep right now. */
    private int sleeping() throws Exception {
        try (Connection c = jdbc.getConnection(); Statement st = c.createStatement();
                ResultSet r = st.executeQuery("select count(*) from pg_stat_activity where state = 'active' and query = '" + SLEEP + "'")) {
            r.next();
            return r.getInt(1);
        }
    }
}
