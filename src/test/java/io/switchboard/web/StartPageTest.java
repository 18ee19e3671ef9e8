package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * #27: every link on the start page answers on the port the page is served from. (It linked to health, metrics
 * and Swagger UI, which answer 404 there: health and metrics moved to the management port, Swagger UI is dev-only.)
 */
@QuarkusTest
class StartPageTest {

    private static final Pattern HREF = Pattern.compile("href=\"(/[^\"]*)\"");

    @Test
    void everyLinkOnTheStartPageAnswers() {
        String page = given().get("/").then().statusCode(200).extract().asString();
        List<String> links = new ArrayList<>();
        Matcher m = HREF.matcher(page);
        while (m.find()) {
            links.add(m.group(1));
        }
        assertFalse(links.isEmpty(), page);
        for (String link : links) {
            assertEquals(200, given().redirects().follow(true).get(link).statusCode(), link);
        }
    }
}
