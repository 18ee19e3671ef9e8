package io.switchboard.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay in front of the service that a test can cut: {@link #cut()} resets every open
 * connection and refuses new ones (reset at once) until {@link #restore()}, like a network that drops.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean up = true;
    private volatile boolean blockUpgrades;
    /** A network that stops carrying packets without telling anyone: nothing is forwarded, nothing is closed. */
    private volatile boolean stalled;
    private final Object resumed = new Object();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    public TcpProxy(int targetPort) {
        this.target = targetPort;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void cut() {
        up = false;
        open.forEach(TcpProxy::reset);
        open.clear();
    }

    /** Connections reset because the proxy was cut: a client's attempts while the network is down. */
    public int refusedConnections() {
        return refused.get();
    }

    public void restore() {
        up = true;
    }

    /**
     * Stops carrying bytes in both directions without closing anything (no FIN, no RST): like a Wi-Fi that
     * dropped or a NAT that forgot the flow. New connections are accepted and hang. {@link #resume()} carries
     * on where it stopped, as TCP's retransmissions would.
     */
    public void stall() {
        stalled = true;
    }

    public void resume() {
        synchronized (resumed) {
            stalled = false;
            resumed.notifyAll();
        }
    }

    private void awaitNotStalled() throws InterruptedException {
        synchronized (resumed) {
            while (stalled && !closed) {
                resumed.wait(200);
            }
        }
    }

    /** Like a proxy that does not speak WebSocket: any request asking for an upgrade is reset. */
    public void blockUpgrades(boolean block) {
        blockUpgrades = block;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (!up) {
                    reset(client);
                    refused.incrementAndGet();
                    continue;
                }
                awaitNotStalled();
                Socket upstream = new Socket("127.0.0.1", target);
                open.add(client);
                open.add(upstream);
                pipe(client, upstream, true);
                pipe(upstream, client, false);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (fromClient && blockUpgrades && new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)
                            .toLowerCase(java.util.Locale.ROOT).contains("\r\nupgrade: websocket")) {
                        break;
                    }
                    awaitNotStalled();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away: take the other down too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                reset(from);
                reset(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        closed = true;
        resume();
        cut();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
