package io.switchboard.api;

import java.time.Instant;
import java.util.TimeZone;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * One JSON contract for every transport (REST bodies, frames, NOTIFY payloads all use this mapper):
 * <ul>
 * <li>no coercion between scalar types: {@code "text": 123} or {@code "limit": "5"} is a 400 naming the
 * field, as the WebSocket frame parser answers, never silently turned into {@code "123"};</li>
 * <li>instants are always written with six fractional digits ({@code 2026-11-29T16:05:00.120000Z}),
 * PostgreSQL's precision, so a client parses one format.</li>
 * </ul>
 */
@Singleton
public class JsonContract implements ObjectMapperCustomizer {

    static final String INSTANT_PATTERN = "uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'";
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    @Override
    public void customize(ObjectMapper mapper) {
        for (CoercionInputShape shape : new CoercionInputShape[] { CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean }) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        for (LogicalType number : new LogicalType[] { LogicalType.Integer, LogicalType.Float, LogicalType.Boolean }) {
            mapper.coercionConfigFor(number).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
            mapper.coercionConfigFor(number).setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // Six fractional digits, always (sub-microsecond digits dropped, as the store drops them). A format
        // override, so it holds whichever module registered the Instant serializer, and in either order.
        mapper.configOverride(Instant.class).setFormat(JsonFormat.Value.forPattern(INSTANT_PATTERN).withTimeZone(UTC));
    }
}
