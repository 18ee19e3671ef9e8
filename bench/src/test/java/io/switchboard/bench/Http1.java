package io.switchboard.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client connection for the lean load client: keep-alive, one exchange at a time, a
 * blocking socket. It reads what this service answers — a body with {@code Content-Length} or chunked (an
 * event stream) — and nothing more; it is not a general client.
 */
final class Http1 implements Closeable {

    private final String host;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Http1(URI base) throws IOException {
        host = base.getHost() + ":" + base.getPort();
        socket = new Socket(base.getHost(), base.getPort());
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 4 * 1024);
    }

    /** The status, and the body as a stream that ends where the response does. */
    record Response(int status, InputStream body) {
        String text() throws IOException {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Sends one request ({@code headers}: complete lines, each ending in CRLF; {@code json}: a body, or null). */
    Response request(String method, String target, String headers, String json) throws IOException {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\n").append(headers);
        if (json != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.flush();
        String status = line(in);
        if (status == null || status.length() < 12) {
            throw new EOFException("connection closed before a status line: " + status);
        }
        long length = 0;
        boolean chunked = false;
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            String name = h.substring(0, Math.max(0, colon)).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding") && value.contains("chunked")) {
                chunked = true;
            }
        }
        return new Response(Integer.parseInt(status.substring(9, 12)), chunked ? new Chunked(in) : new Bounded(in, length));
    }

    /** One line (without CR LF) as UTF-8, or null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    static void closeQuietly(Http1 connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) { // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The next {@code remaining} bytes of the connection. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long remaining;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                throw new EOFException("response body cut short");
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n == -1) {
                throw new EOFException("response body cut short");
            }
            remaining -= n;
            return n;
        }
    }

    /** A chunked body, de-chunked: its chunks' bytes, then the end after the last (empty) chunk and its trailers. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean started;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        private boolean next() throws IOException {
            if (done) {
                return false;
            }
            if (remaining == 0) {
                if (started) {
                    line(in); // the CR LF after a chunk's data
                }
                started = true;
                String size = line(in);
                if (size == null) {
                    throw new EOFException("chunked body cut short");
                }
                int extension = size.indexOf(';');
                remaining = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
                if (remaining == 0) {
                    for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                        // trailers: none expected, skipped
                    }
                    done = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            if (!next()) {
                return -1;
            }
            int b = in.read();
            if (b == -1) {
                throw new EOFException("chunk cut short");
            }
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (!next()) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (n == -1) {
                throw new EOFException("chunk cut short");
            }
            remaining -= n;
            return n;
        }
    }
}
