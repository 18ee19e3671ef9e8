package io.switchboard.support;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * A WebSocket spoken by hand over a plain socket, for clients that misbehave on purpose: it can stop reading
 * (with a tiny receive buffer) and later read what the server queued, down to the close frame.
 */
public final class RawWebSocket {

    private RawWebSocket() {
    }

    /** Upgrades {@code raw} to a visitor WebSocket and sends a resume frame from seq 0. */
    public static void handshakeAndResume(Socket raw, String token, long conversation) throws IOException {
        handshake(raw, token);
        byte[] payload = Json.write(Json.object().put("type", "resume").put("conversationId", conversation).put("after", 0))
                .getBytes(StandardCharsets.UTF_8);
        write(raw, 0x1, payload);
    }

    /** A text frame, masked as a client's must be. */
    public static void text(Socket raw, String json) throws IOException {
        write(raw, 0x1, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Upgrades {@code raw} to a visitor WebSocket. */
    public static void handshake(Socket raw, String token) throws IOException {
        handshake(raw, token, "");
    }

    /** Upgrades {@code raw} to a visitor WebSocket with extra request header lines; returns the response head. */
    public static String handshake(Socket raw, String token, String extraHeaders) throws IOException {
        OutputStream out = raw.getOutputStream();
        String key = Base64.getEncoder().encodeToString("switchboard-test".getBytes(StandardCharsets.US_ASCII));
        out.write(("GET /ws/visitor HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer " + token
                + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = raw.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("handshake failed: " + head);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IllegalStateException("handshake refused: " + head);
        }
        return head.toString();
    }

    /** A protocol-level ping, as OkHttp or URLSession send them. */
    public static void ping(Socket raw) throws IOException {
        write(raw, 0x9, new byte[0]);
    }

    /** One final, masked client frame of any opcode (0x1 text, 0x2 binary, 0x9 ping…) and any length. */
    public static void frame(Socket raw, int opcode, byte[] payload) throws IOException {
        write(raw, opcode, payload);
    }

    /**
     * A masked client frame with the first byte as given: FIN, RSV1-3 and the opcode, for frames that break
     * RFC 6455 on purpose (reserved bits, reserved opcodes, a continuation without a start).
     */
    public static void rawFrame(Socket raw, int firstByte, byte[] payload) throws IOException {
        writeFrame(raw, firstByte, payload);
    }

    private static void write(Socket raw, int opcode, byte[] payload) throws IOException {
        writeFrame(raw, 0x80 | opcode, payload);
    }

    private static void writeFrame(Socket raw, int firstByte, byte[] payload) throws IOException {
        OutputStream out = new java.io.BufferedOutputStream(raw.getOutputStream(), 8192);
        byte[] mask = { 1, 2, 3, 4 };
        out.write(firstByte);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else if (payload.length <= 0xffff) {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xff);
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) payload.length >>> shift) & 0xff);
            }
        }
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }

    /**
     * The start of a masked text frame that announces {@code announced} payload bytes and sends only
     * {@code sent} of them: a frame begun and never finished.
     */
    public static void partialFrame(Socket raw, long announced, int sent) throws IOException {
        OutputStream out = new java.io.BufferedOutputStream(raw.getOutputStream(), 65536);
        out.write(0x81);
        if (announced < 126) {
            out.write(0x80 | (int) announced);
        } else if (announced <= 0xffff) {
            out.write(0x80 | 126);
            out.write((int) (announced >>> 8));
            out.write((int) (announced & 0xff));
        } else {
            out.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (announced >>> shift) & 0xff);
            }
        }
        out.write(new byte[] { 1, 2, 3, 4 });
        out.write(new byte[sent]);
        out.flush();
    }

    /** What the server sent after the connection failed: its frames' opcodes and close codes, and when TCP ended. */
    public record Ending(List<Integer> closeCodes, int dataFrames, long eofAfterMillis) {
    }

    /**
     * Reads to the server's first Close frame, answers it with a Close of the same code (as RFC 6455 §5.5.1 asks
     * of an endpoint), then reads everything else the server sends until the connection ends: every Close frame's
     * code, the data frames, and how long after the answer the TCP connection was closed (-1: not within the
     * socket's read timeout).
     */
    public static Ending closeHandshake(Socket raw) throws IOException {
        DataInputStream in = new DataInputStream(raw.getInputStream());
        List<Integer> closes = new java.util.ArrayList<>();
        int data = 0;
        long answered = 0;
        try {
            while (true) {
                ServerFrame frame = readFrame(in);
                if (frame.opcode() == 0x8) {
                    byte[] p = frame.payload();
                    int code = p.length >= 2 ? (p[0] & 0xff) << 8 | (p[1] & 0xff) : 1005;
                    closes.add(code);
                    if (closes.size() == 1) {
                        try {
                            write(raw, 0x8, new byte[] { (byte) (code >>> 8), (byte) code });
                        } catch (IOException closedAlready) {
                            // the server may have closed TCP right after its Close: fine
                        }
                        answered = System.nanoTime();
                    }
                } else if (frame.opcode() < 0x8) {
                    data++;
                }
            }
        } catch (java.io.EOFException | java.net.SocketException ended) {
            return new Ending(closes, data, answered == 0 ? 0 : (System.nanoTime() - answered) / 1_000_000);
        } catch (java.net.SocketTimeoutException stillOpen) {
            return new Ending(closes, data, -1);
        }
    }

    /** One server frame: its opcode and payload (server frames are never masked). */
    private record ServerFrame(int opcode, byte[] payload) {
    }

    private static ServerFrame readFrame(DataInputStream in) throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        return new ServerFrame(first & 0x0f, in.readNBytes((int) length));
    }

    /**
     * The payload of the next text frame from the server (control frames skipped); null when the server
     * closed instead. The socket's read timeout bounds the wait.
     */
    public static String readText(Socket raw) throws IOException {
        DataInputStream in = new DataInputStream(raw.getInputStream());
        while (true) {
            ServerFrame frame = readFrame(in);
            if (frame.opcode() == 0x8) {
                return null;
            }
            if (frame.opcode() == 0x1) {
                return new String(frame.payload(), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * Reads server frames until the close frame and returns its code; -1 if the connection ended without
     * one. The socket's read timeout bounds the wait.
     */
    public static int readUntilClose(Socket raw) throws IOException {
        return readToClose(raw).code();
    }

    /** How a connection ended: the close code (-1: no close frame) and the bytes of data frames before it. */
    public record Closed(int code, long dataBytes) {
    }

    /** Reads what the server queued, down to its close frame; counts the data frames' payload on the way. */
    public static Closed readToClose(Socket raw) throws IOException {
        DataInputStream in = new DataInputStream(raw.getInputStream());
        long data = 0;
        try {
            while (true) {
                ServerFrame frame = readFrame(in);
                if (frame.opcode() == 0x8) {
                    byte[] p = frame.payload();
                    return new Closed(p.length >= 2 ? (p[0] & 0xff) << 8 | (p[1] & 0xff) : 1005, data);
                }
                if (frame.opcode() < 0x8) {
                    data += frame.payload().length;
                }
            }
        } catch (java.io.EOFException | java.net.SocketException e) { // ended, or reset, without a close frame
            return new Closed(-1, data);
        }
    }
}
