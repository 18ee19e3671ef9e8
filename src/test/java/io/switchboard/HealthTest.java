package io.switchboard;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.EmbeddedPostgresResource;

@QuarkusTest
class HealthTest {

    @Test
    void readinessIsDownWhilePostgresIsUnreachableAndUpAgainWhenItIsBack() throws Exception {
        assumeTrue(EmbeddedPostgresResource.embedded(), "needs the embedded database to stop it");
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        EmbeddedPostgresResource.stopDatabase();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> given().get("/q/health/ready").statusCode() == 503);
            given().get("/q/health/ready").then().body("status", equalTo("DOWN"));
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            EmbeddedPostgresResource.startDatabaseAgain();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then().body("status", equalTo("UP"));
    }
}
