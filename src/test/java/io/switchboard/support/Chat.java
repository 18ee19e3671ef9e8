package io.switchboard.support;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** What most tests start from: the service's API, a new visitor, and its conversation. */
public record Chat(Api api, Api.Visitor visitor, long id) {

    public static Chat start(URI base) {
        Api api = new Api(base);
        Api.Visitor visitor = api.newVisitor();
        return new Chat(api, visitor, api.conversation(visitor.token()));
    }

    public String visitorToken() {
        return visitor.token();
    }

    /** Every stored message of the conversation, in seq order (read page by page, as the visitor). */
    public List<JsonNode> messages() {
        List<JsonNode> all = new ArrayList<>();
        while (true) {
            long after = all.isEmpty() ? 0 : all.get(all.size() - 1).get("seq").asLong();
            JsonNode page = Json.parse(Api.expect(200, api.get(visitor.token(),
                    "/api/conversations/" + id + "/messages?limit=200&after=" + after)).body());
            if (page.isEmpty()) {
                return all;
            }
            page.forEach(all::add);
        }
    }

    /** Sends into this conversation and returns the stored message. */
    public JsonNode send(String token, String clientMsgId, String text) {
        return api.sendOk(token, id, clientMsgId, text);
    }
}
