package io.switchboard.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Chat;
import io.switchboard.support.RawWebSocket;

/**
 * RFC 6455 conformance over a plain socket, our own bytes on the wire: a frame that breaks the framing rules
 * fails the connection with a Close frame 1002 (§5.2, §5.5, §7.4), a text message that is not UTF-8 with
 * 1007 (§8.1) — whole or across fragments — and valid UTF-8 cut anywhere by fragmentation is accepted.
 * (Before, Vert.x dropped TCP without a Close frame and decoded invalid UTF-8 to U+FFFD.)
 */
@QuarkusTest
class Rfc6455Test {

    private static final byte[] PING = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);

    @TestHTTPResource("/")
    URI base;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "RSV1 on a text frame,              0xC1, 1002",
            "RSV2 on a text frame,              0xA1, 1002",
            "RSV3 on a binary frame,            0x92, 1002",
            "RSV1 on a close frame,             0xC8, 1002",
            "reserved data opcode 3,            0x83, 1002",
            "reserved control opcode 0xB,       0x8B, 1002",
            "continuation without a start,      0x80, 1002",
            "fragmented ping,                   0x09, 1002" })
    void aFrameThatBreaksTheFramingRulesIsClosedWith1002(String name, String firstByte, int code) throws Exception {
        try (Socket raw = open()) {
            RawWebSocket.rawFrame(raw, Integer.decode(firstByte), PING);
            assertEquals(code, RawWebSocket.readUntilClose(raw), name);
        }
    }

    /**
     * #27: after failing the connection the server sends exactly one Close frame, with the code of the failure,
     * and closes TCP at once (RFC 6455 §7.1.7) — not a second Close 1000, and not after holding the connection for
     * its 10 s close timeout. For every way a connection fails: bad framing (1002), invalid UTF-8 (1007), a frame
     * over the limit (1009) and a message over the limit in small frames (1009). (Too many frames, 1008, and
     * half-sent ones, 1008 and 1013: AbuseLimitsTest, with production limits.)
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({ "bad framing, 1002", "invalid UTF-8, 1007", "a frame over the limit, 1009",
            "a message over the limit, 1009" })
    void afterFailingTheConnectionTheServerSendsOneCloseAndEndsTcpAtOnce(String how, int code) throws Exception {
        try (Socket raw = open()) {
            raw.setSoTimeout(5_000);
            switch (how) {
                case "bad framing" -> RawWebSocket.rawFrame(raw, 0xC1, PING);
                case "invalid UTF-8" -> RawWebSocket.frame(raw, 0x1, new byte[] { (byte) 0xC0, (byte) 0x80 });
                // Its header announces 70,000 bytes; the server fails the connection on the header, so the client
                // sends no more than a start (writing all of it raced the server's close: a broken pipe).
                case "a frame over the limit" -> RawWebSocket.partialFrame(raw, 70_000, 100);
                default -> {
                    RawWebSocket.rawFrame(raw, 0x01, new byte[40_000]); // text, not final
                    RawWebSocket.rawFrame(raw, 0x80, new byte[40_000]); // continuation, final: 80,000 in all
                }
            }
            RawWebSocket.Ending ending = RawWebSocket.closeHandshake(raw);
            assertEquals(List.of(code), ending.closeCodes(), how + ": one Close frame, with the failure's code (" + ending + ")");
            assertTrue(ending.eofAfterMillis() >= 0 && ending.eofAfterMillis() < 1_000,
                    how + ": TCP closed " + ending.eofAfterMillis() + " ms after the Close handshake (-1: still open after 5 s)");
        }
    }

    @Test
    void invalidCloseCodesAndOversizeControlFramesAreClosedWith1002() throws Exception {
        for (byte[] payload : new byte[][] { { 0x03, (byte) 0xE7 } /* 999 */, { 0x03, (byte) 0xEC } /* 1004 */,
                { 0x03, (byte) 0xED } /* 1005 */, { 0x0B, (byte) 0xB8 } /* 3000 is allowed: see below */, { 0x07 } }) {
            try (Socket raw = open()) {
                RawWebSocket.frame(raw, 0x8, payload);
                int code = RawWebSocket.readUntilClose(raw);
                int sent = payload.length == 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : -1;
                if (sent == 3000) {
                    assertEquals(3000, code, "a valid close code is echoed");
                } else {
                    assertEquals(1002, code, "close frame " + HexFormat.of().formatHex(payload));
                }
            }
        }
        try (Socket raw = open()) {
            RawWebSocket.frame(raw, 0x9, new byte[126]); // control frames carry at most 125 bytes
            assertEquals(1002, RawWebSocket.readUntilClose(raw));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "lone continuation byte,          80",
            "overlong slash,                  C0AF",
            "overlong NUL,                    E08080",
            "UTF-16 surrogate,                EDA080",
            "above U+10FFFF,                  F4908080",
            "5-byte form,                     F888808080",
            "truncated 3-byte sequence,       E282",
            "invalid byte FE,                 FE",
            "truncated before valid ASCII,    E22822" })
    void aTextMessageThatIsNotUtf8IsClosedWith1007(String name, String hex) throws Exception {
        byte[] bad = HexFormat.of().parseHex(hex.strip());
        try (Socket raw = open()) {
            RawWebSocket.frame(raw, 0x1, concat("{\"type\":\"ping\",\"ref\":\"".getBytes(StandardCharsets.UTF_8), bad,
                    "\"}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(1007, RawWebSocket.readUntilClose(raw), name);
        }
    }

    @Test
    void invalidUtf8AcrossFragmentsIsClosedWith1007() throws Exception {
        try (Socket raw = open()) {
            RawWebSocket.rawFrame(raw, 0x01, concat("{\"type\":\"ping\",\"ref\":\"".getBytes(StandardCharsets.UTF_8),
                    new byte[] { (byte) 0xE2, (byte) 0x82 })); // text, not final: a sequence cut at the end
            RawWebSocket.rawFrame(raw, 0x80, concat(new byte[] { 0x28 }, "\"}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(1007, RawWebSocket.readUntilClose(raw));
        }
    }

    @Test
    void validUtf8CutAnywhereByFragmentsIsOneMessage() throws Exception {
        String ref = "ünï😀€";
        byte[] whole = ("{\"type\":\"ping\",\"ref\":\"" + ref + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Socket raw = open()) {
            for (int cut = 1; cut < whole.length; cut += 3) { // every third cut point, inside sequences too
                RawWebSocket.rawFrame(raw, 0x01, Arrays.copyOfRange(whole, 0, cut));
                RawWebSocket.rawFrame(raw, 0x80, Arrays.copyOfRange(whole, cut, whole.length));
                String answer;
                do {
                    answer = RawWebSocket.readText(raw);
                } while (answer != null && !answer.contains("pong"));
                assertTrue(answer != null && answer.contains(ref), "cut at " + cut + ": " + answer);
            }
        }
    }

    private Socket open() throws Exception {
        Socket raw = new Socket(base.getHost(), base.getPort());
        raw.setSoTimeout(20_000);
        RawWebSocket.handshake(raw, Chat.start(base).visitorToken());
        return raw;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
