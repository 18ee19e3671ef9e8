package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;

/**
 * Readiness does not wait in the shared pools' queues: with every reactive connection busy for 4 s and more
 * queries queued behind them, /q/health/ready still answers UP at once (the pool-based check answered DOWN,
 * on every replica at the same time, whenever the pool was this busy).
 */
@QuarkusTest
class ReadinessUnderLoadTest {

    @Inject
    Pool pool;

    @TestHTTPResource(value = "/", management = true)
    URI management;

    @ConfigProperty(name = "quarkus.datasource.reactive.max-size")
    int poolSize;

    @Test
    void readinessStaysUpWhileThePoolIsSaturated() {
        List<Uni<?>> busy = new ArrayList<>();
        for (int i = 0; i < poolSize * 2; i++) {
            busy.add(pool.query("select pg_sleep(4)").execute().onFailure().recoverWithNull());
        }
        busy.forEach(q -> q.subscribe().with(rows -> { }, failure -> { }));
        long start = System.nanoTime();
        given().get(management.resolve("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took < 3_000, "readiness waited " + took + " ms behind the pool");
    }
}
