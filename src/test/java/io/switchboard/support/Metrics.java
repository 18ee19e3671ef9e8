package io.switchboard.support;

import java.net.URI;

/** Reads the service's Prometheus metrics ({@code /q/metrics}). */
public final class Metrics {

    private Metrics() {
    }

    /** The value of an untagged gauge, e.g. {@code switchboard_messages_write_queue}; 0 when absent. */
    public static double gauge(URI base, String name) {
        for (String line : Api.expect(200, new Api(base).get(null, "/q/metrics")).body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
