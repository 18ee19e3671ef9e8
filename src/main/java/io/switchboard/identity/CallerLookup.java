package io.switchboard.identity;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Resolves a token to its caller without blocking: handshakes and streams authenticate on the event loop,
 * so this reads through the reactive client.
 */
@ApplicationScoped
public class CallerLookup {

    /** Token hashes re-checked per query: bounds the statement's size, whatever the number of connections. */
    public static final int RECHECK_BATCH = 1000;

    @Inject
    Pool pool;

    public Uni<Optional<Caller>> resolve(String token) {
        if (!Tokens.wellFormed(token)) {
            return Uni.createFrom().item(Optional.empty());
        }
        String hash = Tokens.hash(token);
        if (token.startsWith(Tokens.VISITOR_PREFIX)) {
            return pool.preparedQuery("select v.id, v.display_name from visitor_token t join visitor v on v.id = t.visitor_id"
                    + " where t.token_hash = $1")
                    .execute(Tuple.of(hash))
                    .map(rows -> first(rows.iterator())
                            .map(r -> new Caller.VisitorCaller(r.getLong("id"), r.getString("display_name"))));
        }
        return pool.preparedQuery("""
                select a.id, a.display_name, a.username, a.role, t.expires_at
                  from agent_token t join agent a on a.id = t.agent_id
                 where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now()""")
                .execute(Tuple.of(hash))
                .map(rows -> first(rows.iterator())
                        .map(r -> new Caller.AgentCaller(r.getLong("id"), r.getString("display_name"),
                                r.getString("username"), Agent.Role.valueOf(r.getString("role")),
                                r.getOffsetDateTime("expires_at").toInstant())));
    }

    /** Of these agent token hashes (at most {@link #RECHECK_BATCH}), the ones neither revoked nor expired. */
    public Uni<Set<String>> validAgentTokens(List<String> hashes) {
        if (hashes.size() > RECHECK_BATCH) {
            throw new IllegalArgumentException("at most " + RECHECK_BATCH + " hashes per query");
        }
        return pool.preparedQuery("""
                select token_hash from agent_token
                 where token_hash = any($1) and revoked_at is null and expires_at > now()""")
                .execute(Tuple.of(hashes.toArray(String[]::new)))
                .map(rows -> {
                    Set<String> valid = new HashSet<>();
                    rows.forEach(r -> valid.add(r.getString(0)));
                    return valid;
                });
    }

    private static Optional<Row> first(RowIterator<Row> it) {
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }
}
