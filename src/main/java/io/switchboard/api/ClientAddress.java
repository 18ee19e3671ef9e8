package io.switchboard.api;

import io.vertx.core.http.HttpServerRequest;

/**
 * The client's IP for per-IP limits and logs. Behind the ingress, enable
 * {@code quarkus.http.proxy.proxy-address-forwarding} so this is the forwarded client address.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    public static String of(HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }

    /** From a {@code host:port} string (WebSocket handshake). */
    public static String of(String remoteAddress) {
        if (remoteAddress == null) {
            return "unknown";
        }
        int colon = remoteAddress.lastIndexOf(':');
        String host = colon > 0 ? remoteAddress.substring(0, colon) : remoteAddress;
        return host.startsWith("/") ? host.substring(1) : host;
    }
}
