package io.switchboard.security;

import java.util.Map;

import org.jboss.logging.Logger;

import io.switchboard.api.ErrorCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Requests that nothing past this point could read are answered {@code 400 bad_request} with the catalogue's body
 * before any handler runs, and logged at DEBUG (a client's bad input is not a server error):
 * <ul>
 * <li>a forwarded client address (from a trusted proxy: {@code X-Forwarded-For} or {@code Forwarded}) that is not
 * an IP address: every per-source budget is keyed by the address, and "unknown" or a name would pool strangers;</li>
 * <li>a NUL character (U+0000) in the path or a query parameter: PostgreSQL's text cannot hold it, and no
 * identifier, token or search term contains one.</li>
 * </ul>
 * A NUL in a body reaches the store's refusal instead, which {@code ProblemMappers} answers with the same 400.
 */
@ApplicationScoped
public class UnreadableRequests {

    private static final Logger LOG = Logger.getLogger(UnreadableRequests.class);

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            String problem = problem(rc);
            if (problem == null) {
                rc.next();
                return;
            }
            LOG.debugf("bad request from %s: %s", rc.request().connection().remoteAddress(), problem);
            rc.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(ErrorCode.BAD_REQUEST.json(problem));
        });
    }

    /** What makes the request unreadable, or null. */
    static String problem(RoutingContext rc) {
        SocketAddress peer = rc.request().remoteAddress();
        if (peer != null && peer.hostAddress() == null && !peer.isDomainSocket()) {
            return "the forwarded client address is not an IP address";
        }
        String uri = rc.request().uri();
        int nul = uri == null ? -1 : uri.indexOf("%00"); // digits only: no case to fold, nothing allocated per request
        if (nul >= 0) {
            int query = uri.indexOf('?');
            if (query < 0 || nul < query) {
                return "the path contains a NUL character";
            }
            for (Map.Entry<String, String> parameter : rc.queryParams().entries()) {
                if (parameter.getKey().indexOf('\0') >= 0 || parameter.getValue().indexOf('\0') >= 0) {
                    return "the query parameter '" + parameter.getKey().replace('\0', '?') + "' contains a NUL character";
                }
            }
        }
        return null;
    }
}
