package io.switchboard.support;

import java.net.URI;

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

    /** Sends into this conversation and returns the stored message. */
    public JsonNode send(String token, String clientMsgId, String text) {
        return api.sendOk(token, id, clientMsgId, text);
    }
}
