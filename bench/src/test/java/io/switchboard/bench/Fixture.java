package io.switchboard.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Creates what a simulation needs before it starts: visitors with a conversation each, an agent token. */
public final class Fixture {

    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern CONVERSATION = Pattern.compile("\"conversation\"\\s*:\\s*\\{\\s*\"id\"\\s*:\\s*(\\d+)");

    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    public Fixture(String base) {
        this.base = base;
    }

    public static String setting(String name, String fallback) {
        return System.getProperty("bench." + name, fallback);
    }

    public static int setting(String name, int fallback) {
        return Integer.parseInt(setting(name, String.valueOf(fallback)));
    }

    public String agentToken() {
        String password = setting("admin-password", "switchboard-bench");
        String body = post("/api/agents/login", null, "{\"username\":\"admin\",\"password\":\"" + password + "\"}");
        return match(TOKEN, body);
    }

    /** One map per party: role, token, conversation; visitors and agents alternate. */
    public List<Map<String, Object>> parties(int conversations, String agentToken) {
        List<Map<String, Object>> parties = new ArrayList<>();
        for (int i = 0; i < conversations; i++) {
            String created = post("/api/conversations", null, null);
            String visitorToken = match(TOKEN, created);
            long conversation = Long.parseLong(match(CONVERSATION, created));
            parties.add(party("visitor", visitorToken, conversation));
            parties.add(party("agent", agentToken, conversation));
        }
        return parties;
    }

    private static Map<String, Object> party(String role, String token, long conversation) {
        Map<String, Object> p = new HashMap<>();
        p.put("role", role);
        p.put("token", token);
        p.put("conv", conversation);
        return p;
    }

    public String post(String path, String token, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(path + " → " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("is the service running at " + base + "?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String match(Pattern pattern, String body) {
        Matcher m = pattern.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("unexpected answer: " + body);
        }
        return m.group(1);
    }
}
