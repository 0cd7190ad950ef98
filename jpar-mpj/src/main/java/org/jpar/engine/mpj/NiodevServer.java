package org.jpar.engine.mpj;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The launcher's side of a niodev job: starts the ranks, serves MPJ's rendezvous over jpar's authenticated start-up
 * protocol ({@link Rendezvous}), and supervises the ranks until the job ends.
 *
 * <p><b>The listener is a network service</b>, so it is kept small: it lives only while the job starts (it is closed
 * as soon as every rank has registered, or the start fails); it accepts connections only from the job's own hosts
 * (any other address is closed at once, unread); every connection must prove, within 10 s, that it knows the job's
 * random key (HMAC-SHA256 over a fresh nonce; the key reaches the ranks on their standard input and never crosses the
 * network); and a connection that fails any of this, claims a rank that is taken or out of range, or sends anything
 * malformed is closed and ignored: it can neither stop nor join the job. The table of addresses MPJ's ranks then
 * connect to each other with is sent only to the authenticated ranks, with each rank's address as its own connection
 * came from. MPJ's peer connections themselves are MPJ's: unauthenticated and unencrypted, as MPI's are (the job's
 * network must be private, see the README).
 *
 * <p><b>Supervision.</b> Each rank's connection stays open until the job ends: a rank that fails says so there and
 * exits 1; a rank that dies (killed, its host lost) is seen by its process ending or its connection closing. Either
 * way every other rank is told to stop (and halts at once), local processes are killed if they have not ended within
 * the grace period, and the failing rank is named. When the launcher itself dies, every rank sees its connection
 * close and halts.
 *
 * <p><b>Hangs.</b> Given a {@link Watch} (the launcher's hang report), the ranks' standard error is read line by line:
 * the lines the watch takes (the ranks' hang-watch states) are not shown, the others are copied to this standard
 * error; the watch is asked a few times a second whether the job hangs, and may stop it (exit code 1).
 *
 * <p>Internal: public for the launcher; not part of jpar's API.
 */
public final class NiodevServer {
    /** What the launcher reads in the ranks' standard error while the job runs: the hang report. */
    public interface Watch {
        /** @return true if {@code line} (of a rank's standard error) was for the watch: then it is not shown */
        boolean accept(String line, long nowNanos);

        /** Called about 5 times a second while the job runs. @return true to stop the job now (exit code 1) */
        boolean check(long nowNanos);
    }

    /** Environment variable of a niodev rank: the number of ranks. */
    public static final String SIZE_ENV = Rendezvous.SIZE_ENV;
    /** Environment variable of a niodev rank: where the launcher's listener is ({@code HOST:PORT}). */
    public static final String SERVER_ENV = Rendezvous.SERVER_ENV;
    private static final int GREETING_MILLIS = 10_000;
    private static final int WATCH_MILLIS = 200;

    private final int size;
    private final Set<InetAddress> allowed;
    private final int startSeconds;
    private final ServerSocket listener;
    private final byte[] key = Rendezvous.newKey();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Rank[] ranks;
    private volatile boolean registering = true;
    /** Connections refused or dropped during start-up (foreign, malformed, unauthenticated), for the tests. */
    private volatile int refused;
    private Watch watch;
    /** Per rank: the remote shell it is started through, or null when it runs on this machine. */
    private String[] remoteShells;
    private final List<Thread> errorReaders = new ArrayList<>();
    private final PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true,
            StandardCharsets.ISO_8859_1);

    private record Event(int rank, Kind kind, int code) {
    }

    private enum Kind { REGISTERED, MESSAGE, CLOSED, EXITED }

    /** One rank: its process, its connection once registered, what it said. */
    private static final class Rank {
        Process process;
        Socket socket;
        DataOutputStream out;
        InetAddress address;
        int writePort;
        int readPort;
        volatile boolean reportedFailure;
        volatile int abortCode = -1;
        volatile boolean ended;
        /** Its connection proved the job key: its JVM started and reached the launcher (it may not be registered). */
        volatile boolean greeted;
        volatile boolean exited;
        volatile int exitCode;
    }

    /**
     * Opens the listener on every interface, on a port the system chooses.
     *
     * @param size         the number of ranks
     * @param allowed      the addresses of the job's hosts: connections from others are closed unread
     * @param startSeconds how long the ranks may take to register
     */
    public NiodevServer(int size, Set<InetAddress> allowed, int startSeconds) throws IOException {
        this.size = size;
        this.allowed = Set.copyOf(allowed);
        this.startSeconds = startSeconds;
        this.ranks = new Rank[size];
        for (int i = 0; i < size; i++) {
            ranks[i] = new Rank();
        }
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(0), 64);
    }

    /** @return the listener's port */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * Starts the ranks ({@code commands[r]} with {@code envs[r]} added to this environment), runs the rendezvous and
     * supervises the job to its end.
     *
     * @param hosts where each rank runs, for messages
     * @return 0 when every rank ended normally, 1 when one failed or died (named on standard error)
     */
    public int run(List<List<String>> commands, List<Map<String, String>> envs, String[] hosts, int graceSeconds) {
        return run(commands, envs, hosts, graceSeconds, null);
    }

    /**
     * As {@link #run(List, List, String[], int)}, with the ranks' standard error read through {@code watch} (null:
     * inherited as it is).
     */
    public int run(List<List<String>> commands, List<Map<String, String>> envs, String[] hosts, int graceSeconds,
                   Watch watch) {
        return run(commands, envs, hosts, new String[size], graceSeconds, watch);
    }

    /**
     * As {@link #run(List, List, String[], int, Watch)}, with {@code remoteShells[r]} the remote shell rank {@code r}
     * is started through (its command's exit code is then the shell's), or null for a rank on this machine.
     */
    public int run(List<List<String>> commands, List<Map<String, String>> envs, String[] hosts,
                   String[] remoteShells, int graceSeconds, Watch watch) {
        this.watch = watch;
        this.remoteShells = remoteShells.clone();
        Thread acceptor = new Thread(this::acceptLoop, "jpar-mpj-rendezvous");
        acceptor.setDaemon(true);
        acceptor.start();
        Thread stopper = new Thread(() -> stopAll(graceSeconds), "jpar-mpj-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            for (int r = 0; r < size; r++) {
                ProcessBuilder pb = new ProcessBuilder(commands.get(r));
                pb.environment().putAll(envs.get(r));
                pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(watch == null
                        ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    System.err.println("jpar: cannot start rank " + r + " of " + size + " on " + hosts[r] + ": "
                            + e.getMessage());
                    stopAll(graceSeconds);
                    return 1;
                }
                ranks[r].process = p;
                if (watch != null) {
                    readErrors(p.getErrorStream(), r);
                }
                giveKey(p, r == 0);
                int rank = r;
                p.onExit().thenAccept(done -> {
                    ranks[rank].exitCode = done.exitValue();
                    ranks[rank].exited = true;
                    events.add(new Event(rank, Kind.EXITED, done.exitValue()));
                });
            }
            return supervise(hosts, graceSeconds);
        } finally {
            closeListener();
            awaitErrors();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs
            }
        }
    }

    /** Writes the job key on the rank's standard input; rank 0 then gets this process's standard input. */
    private void giveKey(Process p, boolean forwardInput) {
        OutputStream in = p.getOutputStream();
        try {
            in.write((Rendezvous.hex(key) + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            // the rank died at once: its exit is reported
        }
        if (!forwardInput || System.console() != null) {
            closeQuietly(in);
            return;
        }
        Thread t = new Thread(() -> {
            try (in) {
                System.in.transferTo(in);
            } catch (IOException e) {
                // the rank ended or closed its input
            }
        }, "jpar-mpj-stdin");
        t.setDaemon(true);
        t.start();
    }

    private int supervise(String[] hosts, int graceSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(startSeconds);
        int registered = 0;
        while (true) {
            Event e;
            try {
                if (watch != null) {
                    e = events.poll(WATCH_MILLIS, TimeUnit.MILLISECONDS);
                    if (e == null && watch.check(System.nanoTime())) {
                        return stopped(graceSeconds);
                    }
                    if (e == null && (!registering || System.nanoTime() < deadline)) {
                        continue;
                    }
                } else {
                    e = registering ? events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                            : events.take();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                stopAll(graceSeconds);
                return 1;
            }
            if (e == null) {
                System.err.println("jpar: " + notStarted(hosts));
                return stopped(graceSeconds);
            }
            Rank rank = ranks[e.rank()];
            switch (e.kind()) {
                case REGISTERED:
                    if (++registered == size) {
                        sendTable();
                    }
                    break;
                case MESSAGE:
                    if (e.code() == Rendezvous.ABORT) {
                        stopAll(graceSeconds);
                        return rank.abortCode;
                    }
                    if (e.code() == Rendezvous.FAILED) {
                        rank.reportedFailure = true;
                        return failed(e.rank(), hosts, graceSeconds);
                    }
                    rank.ended = true;
                    break;
                case CLOSED:
                    if (!rank.ended && !rank.reportedFailure && !awaitExit(rank, 3000)) {
                        System.err.println("jpar: rank " + e.rank() + " of " + size + " on " + hosts[e.rank()]
                                + " lost its connection to the launcher (its process or host died)");
                        return stopped(graceSeconds);
                    }
                    break;
                case EXITED:
                    if (e.code() != 0 || (!rank.ended && rank.socket == null && registering)) {
                        return failed(e.rank(), hosts, graceSeconds);
                    }
                    if (allExitedNormally()) {
                        return 0;
                    }
                    break;
                default:
                    break;
            }
        }
    }

    /**
     * @return why the job did not start in time: the ranks whose JVM never reached the launcher (the remote shell is
     *         a suspect only for ranks started through one) and those that reached it but whose MPJ {@code MPI.Init}
     *         did not come to its rendezvous
     */
    private String notStarted(String[] hosts) {
        StringBuilder never = new StringBuilder();
        StringBuilder stuck = new StringBuilder();
        boolean remoteNever = false;
        for (int r = 0; r < size; r++) {
            if (ranks[r].socket == null) {
                StringBuilder b = ranks[r].greeted ? stuck : never;
                b.append(b.length() == 0 ? "" : ", ").append(r).append(" (").append(hosts[r]).append(')');
                remoteNever |= !ranks[r].greeted && remoteShells[r] != null;
            }
        }
        StringBuilder m = new StringBuilder("the niodev job did not start within " + startSeconds + " s:");
        if (stuck.length() > 0) {
            m.append(" rank(s) ").append(stuck).append(" reached the launcher but MPJ's MPI.Init did not come to the "
                    + "rendezvous (a hanging MPJ Express: check its installation, --mpj-home)")
                    .append(never.length() > 0 ? ";" : "");
        }
        if (never.length() > 0) {
            m.append(" rank(s) ").append(never).append(" never reached the launcher").append(refused > 0 ? " ("
                    + refused + " connection(s) were refused: not from the job's hosts, or without the job's key)"
                    : "").append("; check ").append(remoteNever ? "that the remote shell (ssh, or JPAR_MPJ_RSH) "
                    + "starts a JVM on each such host without a prompt, " : "").append("that every host reaches this "
                    + "one (-Djpar.mpj.server=ADDRESS to give the address)");
        }
        return m.append(", or raise -Djpar.mpj.startSeconds").toString();
    }

    private boolean awaitExit(Rank rank, long millis) {
        try {
            return rank.process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean allExitedNormally() {
        for (Rank r : ranks) {
            if (!r.exited || r.exitCode != 0) {
                return false;
            }
        }
        return true;
    }

    /** Names the failing rank (unless it reported itself), stops the others. */
    private int failed(int r, String[] hosts, int graceSeconds) {
        Rank rank = ranks[r];
        if (!rank.reportedFailure) {
            awaitExit(rank, 1000);
            // a failure report travels on the connection: give it a moment to arrive after the exit
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
            while (!rank.reportedFailure && rank.socket != null && !rank.socket.isClosed()
                    && System.nanoTime() < end) {
                drainMessages();
                sleep(20);
            }
        }
        if (rank.abortCode >= 0) {
            stopAll(graceSeconds);
            return rank.abortCode;
        }
        if (!rank.reportedFailure && rank.socket == null && rank.exited) {
            System.err.println("jpar: " + endedBeforeJoining(r, hosts[r]));
        } else if (!rank.reportedFailure) {
            int code = rank.exited ? rank.exitCode : -1;
            String how = code > 128 && code < 160 ? "was killed by signal " + (code - 128) + " ("
                    + signalName(code - 128) + ")" : code >= 0 ? "ended with exit code " + code + " without a report"
                    : "died";
            System.err.println("jpar: rank " + r + " of " + size + " " + how + " on node " + hosts[r]);
        }
        return stopped(graceSeconds);
    }

    /**
     * @return what a rank's process ending before it registered says: the rank's own JVM (its error is above, on its
     *         standard error), or, for a rank started through a remote shell that failed itself (ssh's 255), the shell
     */
    private String endedBeforeJoining(int r, String host) {
        int code = ranks[r].exitCode;
        String shell = remoteShells[r];
        String rank = "rank " + r + " of " + size + " on " + host;
        if (shell != null && code == 255) {
            return "the remote shell (" + shell + ") could not start " + rank + ": it ended with exit code 255, its "
                    + "own failure (its message is above); check that it reaches " + host + " without a prompt (ssh "
                    + "keys, BatchMode), or set JPAR_MPJ_RSH";
        }
        String how = code > 128 && code < 160 ? "was killed by signal " + (code - 128) + " (" + signalName(code - 128)
                + ")" : "ended with exit code " + code;
        return rank + " " + how + " during start-up, before it joined the job" + (shell != null
                ? " (the exit code of its remote shell, " + shell + ")" : "") + (code > 128 && code < 160 ? ""
                : ": its own error, if it wrote one, is above");
    }

    private void drainMessages() {
        for (Event e; (e = events.poll()) != null; ) {
            if (e.kind() == Kind.MESSAGE && (e.code() == Rendezvous.FAILED || e.code() == Rendezvous.ABORT)) {
                ranks[e.rank()].reportedFailure = true;
            }
        }
    }

    private int stopped(int graceSeconds) {
        stopAll(graceSeconds);
        awaitErrors();
        System.err.println("jpar: the job was stopped (exit code 1)");
        return 1;
    }

    private static String signalName(int signal) {
        switch (signal) {
            case 1: return "Hangup";
            case 2: return "Interrupt";
            case 3: return "Quit";
            case 6: return "Aborted";
            case 9: return "Killed";
            case 11: return "Segmentation fault";
            case 15: return "Terminated";
            default: return "signal " + signal;
        }
    }

    /** Copies rank {@code r}'s standard error to ours, line by line, without the lines {@link #watch} takes. */
    private void readErrors(InputStream in, int r) {
        Thread t = new Thread(() -> {
            try (BufferedReader b = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
                for (String line; (line = b.readLine()) != null; ) {
                    if (!watch.accept(line, System.nanoTime())) {
                        err.println(line);
                    }
                }
            } catch (IOException e) {
                // the rank ended
            }
        }, "jpar-mpj-stderr-" + r);
        t.setDaemon(true);
        errorReaders.add(t);
        t.start();
    }

    /** Lets the ranks' last lines out before the launcher reports the job's end (at most 5 s: remote shells). */
    private void awaitErrors() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread t : errorReaders) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Ends the ranks that have not registered at once (SIGTERM), tells every other rank to stop, closes the
     * connections, and kills what has not ended within the grace period.
     */
    private synchronized void stopAll(int graceSeconds) {
        for (Rank r : ranks) {
            if (r.out == null && r.process != null) {
                // not registered: no program code ran yet, and it could not be told to stop (it would report the
                // closed listener as its own failure, after the one that stopped the job)
                r.process.destroy();
            }
        }
        closeListener();
        for (Rank r : ranks) {
            DataOutputStream out = r.out;
            if (out != null) {
                try {
                    synchronized (out) {
                        out.write(Rendezvous.STOP);
                        out.flush();
                    }
                } catch (IOException e) {
                    // it is gone already
                }
            }
            closeQuietly(r.socket);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(1, graceSeconds));
        for (Rank r : ranks) {
            Process p = r.process;
            if (p == null) {
                continue;
            }
            try {
                if (!p.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    // ---------------------------------------------------------------- rendezvous

    private void acceptLoop() {
        while (registering) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (!allowed.contains(s.getInetAddress())) {
                refused++;
                closeQuietly(s);
                continue;
            }
            Thread t = new Thread(() -> greet(s), "jpar-mpj-rendezvous-" + s.getRemoteSocketAddress());
            t.setDaemon(true);
            t.start();
        }
    }

    /** Authenticates one connection and registers its rank, or closes it. */
    private void greet(Socket s) {
        int rank = -1;
        DataInputStream in;
        try {
            s.setSoTimeout(GREETING_MILLIS);
            s.setTcpNoDelay(true);
            in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] nonce = Rendezvous.nonce();
            out.write(Rendezvous.MAGIC);
            out.write(nonce);
            out.flush();
            int claimed = in.readInt();
            byte[] mac = new byte[Rendezvous.MAC_BYTES];
            in.readFully(mac);
            if (claimed < 0 || claimed >= size || !Rendezvous.macMatches(key, nonce, claimed, mac)) {
                throw new IOException("not authenticated");
            }
            ranks[claimed].greeted = true;
            // MPJ's "Sending Info" may take a while (MPI.Init of the rank): no greeting deadline for it any more
            s.setSoTimeout(0);
            int writePort = in.readInt();
            int readPort = in.readInt();
            if (writePort <= 0 || writePort > 65535 || readPort <= 0 || readPort > 65535) {
                throw new IOException("bad ports");
            }
            synchronized (this) {
                Rank r = ranks[claimed];
                if (r.socket != null || !registering) {
                    throw new IOException("rank taken");
                }
                r.socket = s;
                r.out = out;
                r.address = s.getInetAddress();
                r.writePort = writePort;
                r.readPort = readPort;
            }
            rank = claimed;
            events.add(new Event(rank, Kind.REGISTERED, 0));
        } catch (IOException | RuntimeException e) {
            refused++;
            closeQuietly(s);
            return;
        }
        watch(rank, s, in);
    }

    /** Reads what rank {@code rank} says until its connection closes. */
    private void watch(int rank, Socket s, DataInputStream in) {
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b == Rendezvous.ABORT) {
                    ranks[rank].abortCode = in.readInt();
                    ranks[rank].reportedFailure = true;
                    events.add(new Event(rank, Kind.MESSAGE, b));
                } else if (b == Rendezvous.FAILED || b == Rendezvous.ENDED) {
                    if (b == Rendezvous.FAILED) {
                        ranks[rank].reportedFailure = true;
                    }
                    events.add(new Event(rank, Kind.MESSAGE, b));
                }
            }
        } catch (SocketException e) {
            // closed
        } catch (IOException e) {
            // closed
        }
        events.add(new Event(rank, Kind.CLOSED, 0));
    }

    /** Every rank registered: MPJ's peer table to each, in rank order; the listener closes. */
    private synchronized void sendTable() {
        registering = false;
        closeListener();
        StringBuilder table = new StringBuilder("#Peer Information");
        for (int r = 0; r < size; r++) {
            Rank k = ranks[r];
            table.append(';').append(k.address.getHostAddress()).append('@').append(k.readPort).append('@')
                    .append(k.writePort).append('@').append(r).append("@0");
        }
        String t = table.toString();
        for (Rank r : ranks) {
            try {
                synchronized (r.out) {
                    r.out.writeUTF(t);
                    r.out.flush();
                }
            } catch (IOException e) {
                // that rank died: its exit is reported
            }
        }
    }

    private void closeListener() {
        registering = false;
        try {
            listener.close();
        } catch (IOException e) {
            // closed
        }
    }

    /** @return the number of connections refused so far (foreign, malformed or unauthenticated) */
    public int refused() {
        return refused;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing to do
            }
        }
    }
}
