package org.jpar.launcher;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The order in which the ranks of an MPICH job ended, told by the kernel rather than by looking at the process table.
 *
 * <p>Every rank started by {@code jpar run} on this machine connects to a Unix-domain socket of the launcher at start
 * ({@code -Djpar.native.launcherSocket=PATH}), says who it is ({@code MARKER RANK PID}), keeps the connection open for
 * its whole life, and writes {@code finalized} once {@code MPI_Finalize} returned. When a process ends, however it
 * ends ({@code kill -9} included), Linux closes its end of the connection, and the launcher's end becomes readable in
 * that very moment. Linux's {@code epoll} hands ready connections out in the order they became ready, and
 * {@link Selector#select(java.util.function.Consumer, long)} passes them on in that order, so the first connection
 * found at its end without {@code finalized} is the rank that ended first, even when the launcher looks only after
 * MPICH's launcher has killed every other rank. A rank that cannot connect (another machine of a hostfile) leaves the
 * order incomplete, and {@link #unfinalized()} then says nothing.
 */
final class RankExits implements AutoCloseable {
    /** A rank's end of the connection, as the launcher saw it end. */
    record Exit(int rank, long pid, String how) {
    }

    /** A job's socket: {@code jpar-<the job marker's first 8 hex digits>-<the launcher's pid>.sock}. */
    private static final java.util.regex.Pattern STALE = java.util.regex.Pattern.compile(
            "jpar-[0-9a-f]{8}-([0-9]{1,18})\\.sock");

    private final String marker;
    private final int ranks;
    private final Path path;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final List<Exit> unfinalized = new ArrayList<>();
    private int connected;
    private int closed;
    private volatile boolean stopped;

    private static final class Conn {
        final StringBuilder text = new StringBuilder();
        int rank = -1;
        long pid = -1;
        boolean finalized;
    }

    private RankExits(String marker, int ranks, Path path, ServerSocketChannel server, Selector selector) {
        this.marker = marker;
        this.ranks = ranks;
        this.path = path;
        this.server = server;
        this.selector = selector;
        this.thread = new Thread(this::loop, "jpar-rank-exits");
        this.thread.setDaemon(true);
    }

    /** @return a listening socket for the {@code ranks} ranks of the job {@code marker}, or null where it cannot be */
    static RankExits open(String marker, int ranks) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path path = dir.resolve("jpar-" + marker.substring(0, 8) + "-" + ProcessHandle.current().pid() + ".sock");
        removeStale(dir);
        try {
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            path.toFile().deleteOnExit();
            server.configureBlocking(false);
            Selector selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            RankExits exits = new RankExits(marker, ranks, path, server, selector);
            exits.thread.start();
            return exits;
        } catch (IOException | RuntimeException e) {
            return null; // no Unix-domain sockets here: jpar falls back to the process table
        }
    }

    /**
     * Deletes the sockets in {@code dir} that launchers killed with SIGKILL left behind (no cleanup runs then): those
     * named {@code jpar-<8 hex>-<pid>.sock} whose launcher process no longer exists.
     */
    static void removeStale(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                java.util.regex.Matcher m = STALE.matcher(f.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException e) {
                        // another user's, or gone already
                    }
                }
            });
        } catch (IOException | RuntimeException e) {
            // an unreadable temporary directory: nothing to clean
        }
    }

    /** @return the socket's path, for the ranks */
    Path path() {
        return path;
    }

    private void loop() {
        ByteBuffer buf = ByteBuffer.allocate(256);
        try {
            while (!stopped) {
                // in the order Linux saw the connections become ready: which rank ended first
                selector.select(key -> ready(key, buf), 1000);
            }
        } catch (IOException | RuntimeException e) {
            // the selector is closed: the job is over
        }
    }

    private void ready(SelectionKey key, ByteBuffer buf) {
        try {
            if (key.isAcceptable()) {
                SocketChannel c;
                while ((c = server.accept()) != null) {
                    c.configureBlocking(false);
                    c.register(selector, SelectionKey.OP_READ, new Conn());
                }
                return;
            }
            SocketChannel c = (SocketChannel) key.channel();
            Conn conn = (Conn) key.attachment();
            int n;
            while ((n = c.read(buf.clear())) > 0) {
                conn.text.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                parse(conn);
            }
            if (n < 0) {
                key.cancel();
                c.close();
                ended(conn);
            }
        } catch (IOException e) {
            key.cancel();
            try {
                key.channel().close();
            } catch (IOException ignored) {
                // closed already
            }
            ended((Conn) key.attachment());
        }
    }

    private void parse(Conn conn) {
        int nl;
        while ((nl = conn.text.indexOf("\n")) >= 0) {
            String line = conn.text.substring(0, nl).trim();
            conn.text.delete(0, nl + 1);
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals(marker) && conn.rank < 0) {
                try {
                    conn.rank = Integer.parseInt(f[1]);
                    conn.pid = Long.parseLong(f[2]);
                    synchronized (this) {
                        connected++;
                    }
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            } else if (line.equals("finalized")) {
                conn.finalized = true;
            }
        }
    }

    private void ended(Conn conn) {
        if (conn == null || conn.rank < 0) {
            return; // never said who it was
        }
        String how = null;
        boolean first;
        synchronized (this) {
            first = unfinalized.isEmpty() && !conn.finalized;
        }
        if (first) {
            how = how(conn.pid); // while MPICH's proxy may not have reaped it yet
        }
        synchronized (this) {
            closed++;
            if (!conn.finalized) {
                unfinalized.add(new Exit(conn.rank, conn.pid, how));
            }
            notifyAll();
        }
    }

    /**
     * @return how the process {@code pid} ended ("killed by signal 9 (Killed)") while Linux still has its status
     *         (until its parent, MPICH's proxy, reaps it), else null. Its connection closes as it exits, a moment
     *         before it becomes a zombie: this waits a little for that.
     */
    private static String how(long pid) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < end) {
            int status = MpirunJob.endStatus(pid);
            if (status >= 0) {
                return MpirunJob.describe(status);
            }
            if (status == MpirunJob.UNKNOWN) {
                return null;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        return null;
    }

    /**
     * Waits up to {@code millis} for the connections of ranks that ended to be read (the launcher's thread may not
     * have run yet on a loaded machine) until every connected rank's has closed, or one without {@code finalized}.
     */
    synchronized void await(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long left;
        while (closed < connected && unfinalized.isEmpty() && (left = end - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /**
     * @return the ranks that ended without finalizing, in the order their connections closed, when every rank of the
     *         job connected (else the order may miss one); else empty
     */
    synchronized List<Exit> unfinalized() {
        return connected >= ranks ? List.copyOf(unfinalized) : List.of();
    }

    @Override
    public void close() {
        stopped = true;
        try {
            selector.close();
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // deleteOnExit removes it
        }
    }
}
