package io.switchboard.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The browser side is static: the widget ({@code /widget.js}, {@code /switchboard.js}), a demo page and the
 * agent console live under {@code META-INF/resources}. This only makes {@code /console} (exactly: Vert.x paths ignore a trailing slash) reach the console.
 */
@ApplicationScoped
public class WebRoutes {

    void routes(@Observes Router router) {
        router.getWithRegex("/console").handler(rc -> rc.redirect("/console/"));
    }
}
