package io.switchboard.live.transport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.switchboard.api.ApiException;
import io.switchboard.api.ErrorCode;

/**
 * A frame from a WebSocket client, read field by field so that every malformed input gets a precise
 * {@code error} frame rather than a closed connection.
 */
record ClientFrame(String type, String ref, Long conversationId, Long after, String clientMsgId, String text,
        Long seq, String state, boolean internal, java.util.List<String> attachments) {

    static ClientFrame parse(String text, ObjectMapper json) {
        try {
            return parse(json.readTree(text));
        } catch (JsonProcessingException e) {
            throw new ApiException(ErrorCode.MALFORMED_FRAME, "a frame is a JSON object with a type");
        }
    }

    static ClientFrame parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ApiException(ErrorCode.MALFORMED_FRAME, "a frame is a JSON object with a type");
        }
        String ref = ref(node);
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new FrameException(ref, ErrorCode.MALFORMED_FRAME, "a frame needs a string type");
        }
        return new ClientFrame(type.asText(), ref, optionalLong(node, "conversationId", 1, ref),
                optionalLong(node, "after", 0, ref), optionalText(node, "clientMsgId", 1000, ref),
                optionalText(node, "text", Integer.MAX_VALUE, ref), optionalLong(node, "seq", 0, ref),
                optionalText(node, "state", 16, ref), optionalBoolean(node, "internal", ref), optionalIds(node, "attachments", ref));
    }

    long requireConversationId() {
        if (conversationId == null) {
            throw new FrameException(ref, ErrorCode.INVALID_CONVERSATION_ID, "conversationId is required");
        }
        return conversationId;
    }

    long requireSeq() {
        if (seq == null) {
            throw new FrameException(ref, ErrorCode.INVALID_CURSOR, "seq is required");
        }
        return seq;
    }

    private static Long optionalLong(JsonNode node, String field, long min, String ref) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min) {
            ErrorCode code = field.equals("conversationId") ? ErrorCode.INVALID_CONVERSATION_ID : ErrorCode.INVALID_CURSOR;
            throw new FrameException(ref, code, field + " must be a whole number, " + min + " or more");
        }
        return value.asLong();
    }

    /** The frame's ref, echoed on its answer; a number is read as its digits (a client's counter), up to 64 characters. */
    private static String ref(JsonNode node) {
        JsonNode value = node.get("ref");
        if (value == null || !(value.isTextual() || value.isNumber())) {
            return null;
        }
        String text = value.asText();
        return text.length() > 64 ? text.substring(0, 64) : text;
    }

    private static String optionalText(JsonNode node, String field, int maxLength, String ref) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new FrameException(ref, ErrorCode.MALFORMED_FRAME, field + " must be a string");
        }
        String text = value.asText();
        return text.length() > maxLength ? text.substring(0, maxLength) : text;
    }

    /** A list of ids (strings); more than 100 is refused here, the per-message limit by the send itself. */
    private static java.util.List<String> optionalIds(JsonNode node, String field, String ref) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.size() > 100) {
            throw new FrameException(ref, ErrorCode.INVALID_ATTACHMENTS, field + " must be a list of attachment ids");
        }
        java.util.List<String> ids = new java.util.ArrayList<>(value.size());
        for (JsonNode id : value) {
            if (!id.isTextual() || id.asText().length() > 64) {
                throw new FrameException(ref, ErrorCode.INVALID_ATTACHMENTS, field + " must be a list of attachment ids");
            }
            ids.add(id.asText());
        }
        return ids;
    }

    private static boolean optionalBoolean(JsonNode node, String field, String ref) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new FrameException(ref, ErrorCode.MALFORMED_FRAME, field + " must be true or false");
        }
        return value.booleanValue();
    }

    /** A frame error that still knows the frame's {@code ref}, to echo it back. */
    static final class FrameException extends ApiException {
        final String ref;

        FrameException(String ref, ErrorCode code, String message) {
            super(code, message);
            this.ref = ref;
        }
    }
}
