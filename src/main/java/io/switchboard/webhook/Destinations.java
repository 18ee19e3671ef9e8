package io.switchboard.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;
import io.switchboard.config.SwitchboardConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Where a webhook may go: an absolute http(s) URL without user info, whose host resolves only to public
 * addresses. Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 — cloud
 * metadata — and fe80::/10), carrier-grade NAT (100.64/10), unspecified, multicast and IPv4-mapped forms of
 * them are refused unless the host is in {@code switchboard.webhooks.allowed-hosts}. Checked when an endpoint
 * is registered and again before every delivery (a name may come to resolve elsewhere); redirects are not
 * followed.
 */
@ApplicationScoped
class Destinations {

    @Inject
    SwitchboardConfig config;

    /** The URL, normalised, or {@code 400 invalid_webhook_url}. */
    URI check(String url) {
        if (url == null || url.isBlank() || url.length() > 2048) {
            throw invalid("a webhook url is an absolute http(s) address of at most 2048 characters");
        }
        URI uri;
        try {
            uri = new URI(url.strip()).normalize();
        } catch (URISyntaxException e) {
            throw invalid("not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw invalid("a webhook url is http or https");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw invalid("a webhook url has a host, and no user info or fragment");
        }
        reachable(uri);
        return uri;
    }

    /** Refuses a URL whose host resolves to an internal address (unless allowed); at every delivery too. */
    void reachable(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (allowed(bare, uri.getPort())) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw invalid("the webhook's host does not resolve: " + bare);
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw invalid("the webhook's host resolves to an internal address (" + address.getHostAddress()
                        + "); allow it with switchboard.webhooks.allowed-hosts if that is meant");
            }
        }
    }

    private boolean allowed(String host, int port) {
        List<String> allowed = config.webhooks().allowedHosts().orElse(List.of());
        return allowed.stream().map(a -> a.strip().toLowerCase(Locale.ROOT))
                .anyMatch(a -> a.equals(host) || (port > 0 && a.equals(host + ":" + port)));
    }

    static boolean internal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || first >= 240 // "this network", reserved and broadcast
                    || (first == 100 && second >= 64 && second < 128) // carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)); // benchmarking
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) { // unique local fc00::/7
                return true;
            }
            boolean mapped = true; // ::ffff:a.b.c.d judged as a.b.c.d
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return internal(InetAddress.getByAddress(new byte[] { b[12], b[13], b[14], b[15] }));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    private static ApiException invalid(String why) {
        return new ApiException(ErrorCode.INVALID_WEBHOOK_URL, why);
    }
}
