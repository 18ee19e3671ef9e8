package io.switchboard.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Search over 100,000 messages (#14): seeds 1,000 resolved conversations of 100 messages each straight into
 * the bench database (words from a 2,000-word vocabulary, a rare "needle" word in one message of 1,000),
 * then times the search endpoint over HTTP as an agent would use it — a rare word, a common word, a phrase,
 * an e-mail address, a common word within a label-free status filter, and (substring search, #27) a rare and a
 * common Chinese word inside sentences and an Arabic word behind its prefixes — and prints the figures (p50,
 * p95, hits), writing them to {@code bench.out} as JSON.
 */
public final class SearchBench {

    public static void main(String[] args) throws Exception {
        String base = Fixture.setting("base", "http://127.0.0.1:8080");
        String jdbc = "jdbc:postgresql://127.0.0.1:" + Fixture.setting("db-port", "5432") + "/postgres";
        int conversations = Fixture.setting("conversations", 1000);
        int perConversation = Fixture.setting("messages", 100);
        int rounds = Fixture.setting("rounds", 40);

        long seeded = System.nanoTime();
        try (Connection db = DriverManager.getConnection(jdbc, "postgres", "postgres"); Statement sql = db.createStatement()) {
            sql.execute("insert into visitor (token_hash, display_name, email) select md5('search-bench-' || g || clock_timestamp()),"
                    + " 'Search Visitor ' || g, 'visitor' || g || '@bench.example' from generate_series(1, " + conversations + ") g");
            sql.execute("insert into conversation (visitor_id, status, last_seq, last_public_seq)"
                    + " select id, 'resolved', " + perConversation + ", " + perConversation
                    + " from visitor where display_name like 'Search Visitor %' and id not in (select visitor_id from conversation)");
            sql.execute("insert into message (conversation_id, seq, prev_public, author_kind, author_id, text, client_msg_id)"
                    + " select c.id, s, s - 1, 'visitor', c.visitor_id,"
                    + " 'w' || (random() * 2000)::int || ' w' || (random() * 2000)::int || ' order ' || (random() * 100000)::int"
                    + "   || ' w' || (random() * 2000)::int || case when (c.id * 131 + s) % 1000 = 0 then ' needle' else '' end"
                    // Chinese (no spaces) and Arabic (prefixes attached), served by substring search (#27).
                    + "   || case when (c.id * 7 + s) % 1000 = 1 then ' 我的台灯坏了' when (c.id * 7 + s) % 50 = 2 then ' 我想退货'"
                    + "           when (c.id * 11 + s) % 1000 = 3 then ' أين والكتاب الذي طلبته' else '' end,"
                    + " 'search-bench-' || c.id || '-' || s"
                    + " from conversation c join visitor v on v.id = c.visitor_id cross join generate_series(1, " + perConversation + ") s"
                    + " where v.display_name like 'Search Visitor %' and c.last_seq = " + perConversation
                    + " and not exists (select 1 from message m where m.conversation_id = c.id)");
            sql.execute("analyze message");
            sql.execute("analyze visitor");
        }
        System.out.printf("seeded %d messages in %d ms%n", (long) conversations * perConversation,
                (System.nanoTime() - seeded) / 1_000_000);

        Fixture fixture = new Fixture(base);
        String token = fixture.agentToken();
        HttpClient http = HttpClient.newHttpClient();
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("rare word", "needle");
        queries.put("common word", "w17");
        queries.put("phrase", "\"order 42\"");
        queries.put("e-mail", "visitor500@bench.example");
        queries.put("common word, resolved", "w17&status=resolved");
        queries.put("Chinese, rare", "台灯");
        queries.put("Chinese, common", "退货");
        queries.put("Arabic behind a prefix", "كتاب");
        StringBuilder json = new StringBuilder("{\"messages\":" + (long) conversations * perConversation + ",\"queries\":[");
        for (Map.Entry<String, String> q : queries.entrySet()) {
            String[] parts = q.getValue().split("&", 2);
            String url = base + "/api/conversations/search?size=20&q=" + URLEncoder.encode(parts[0], StandardCharsets.UTF_8)
                    + (parts.length > 1 ? "&" + parts[1] : "");
            List<Long> micros = new ArrayList<>();
            String total = "?";
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                        .build(), HttpResponse.BodyHandlers.ofString());
                micros.add((System.nanoTime() - start) / 1000);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(q.getKey() + ": " + r.statusCode() + " " + r.body());
                }
                int at = r.body().lastIndexOf("\"total\":");
                total = r.body().substring(at + 8).replaceAll("[^0-9].*", "");
            }
            micros.sort(Long::compare);
            long p50 = micros.get(micros.size() / 2);
            long p95 = micros.get((int) (micros.size() * 0.95));
            System.out.printf("search %-24s %8s conversations   p50 %6.1f ms   p95 %6.1f ms%n", q.getKey(), total, p50 / 1000.0, p95 / 1000.0);
            json.append(json.charAt(json.length() - 1) == '[' ? "" : ",").append("{\"query\":\"").append(q.getKey())
                    .append("\",\"conversations\":").append(total).append(",\"p50Ms\":").append(p50 / 1000.0)
                    .append(",\"p95Ms\":").append(p95 / 1000.0).append('}');
        }
        json.append("]}");
        String out = Fixture.setting("out", "");
        if (!out.isEmpty()) {
            Files.writeString(Path.of(out), json);
        }
    }
}
