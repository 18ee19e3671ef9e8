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
 * them, and IPv6 forms that embed such an IPv4 address (IPv4-mapped and -compatible, NAT64 64:ff9b::/96, 6to4
 * 2002::/16), are refused unless the host is in {@code switchboard.webhooks.allowed-hosts}. Checked when an
 * endpoint is registered and again before every delivery, which then connects to the very address it checked
 * (a name may come to resolve elsewhere, even between the check and the connection); redirects are not followed.
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

    /**
     * Refuses a URL whose host resolves to an internal address (unless allowed); at every delivery too. Returns
     * the address that was checked: a delivery connects to it and to nothing else, so a name that resolves
     * elsewhere a moment later (DNS rebinding) cannot take the delivery inside.
     */
    InetAddress reachable(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw invalid("the webhook's host does not resolve: " + bare);
        }
        if (allowed(bare, uri.getPort())) {
            return addresses[0];
        }
        for (InetAddress address : addresses) {
            if (internal(address)) {
                throw invalid("the webhook's host resolves to an internal address (" + address.getHostAddress()
                        + "); allow it with switchboard.webhooks.allowed-hosts if that is meant");
            }
        }
        return addresses[0];
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
            boolean zeros = true;
            for (int i = 0; i < 10; i++) {
                zeros &= b[i] == 0;
            }
            // IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped ::ffff:a.b.c.d and
            // IPv4-compatible ::a.b.c.d, NAT64's well-known prefix 64:ff9b::/96, and 6to4 2002:aabb:ccdd::/48.
            // NAT64's local-use prefix (64:ff9b:1::/48) may embed it anywhere: refused as a whole.
            if (zeros && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || b[10] == 0 && b[11] == 0)) {
                return embedded(b, 12);
            }
            if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                boolean wellKnown = true;
                for (int i = 4; i < 12; i++) {
                    wellKnown &= b[i] == 0;
                }
                return !wellKnown || embedded(b, 12);
            }
            if (b[0] == 0x20 && b[1] == 0x02) {
                return embedded(b, 2);
            }
        }
        return false;
    }

    private static boolean embedded(byte[] b, int at) {
        try {
            return internal(InetAddress.getByAddress(new byte[] { b[at], b[at + 1], b[at + 2], b[at + 3] }));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    private static ApiException invalid(String why) {
        return new ApiException(ErrorCode.INVALID_WEBHOOK_URL, why);
    }
}
