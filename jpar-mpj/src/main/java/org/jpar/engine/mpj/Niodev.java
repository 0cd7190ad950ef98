package org.jpar.engine.mpj;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.jpar.JparException;
import org.jpar.internal.LastWords;
import org.jpar.internal.LineOutput;
import org.jpar.internal.diag.Diagnostics;

/**
 * A rank of a niodev job (one JVM per rank), started by {@code jpar run --engine mpj --device niodev}. It joins the
 * job through the launcher ({@link Rendezvous}): it proves the job key it read from its standard input, then runs
 * MPJ's {@code MPI.Init}, whose rendezvous connection goes to a relay on this host's loopback that forwards it over
 * the authenticated connection. That connection stays open: when the launcher stops the job, or goes away (killed
 * included), the rank halts at once; when this rank fails it says so there before it halts, so the launcher stops
 * the other ranks.
 *
 * <p>A failure (an exception no code catches, in any thread) prints {@code jpar: rank R of N failed: ...} with its
 * stack trace and ends the rank with exit code 1. At the normal end of the process (after {@code main} and its
 * non-daemon threads), the rank waits until MPJ delivered its sends, calls {@code MPI.Finalize} (which waits for
 * every rank, as MPI's does) and tells the launcher it ended.
 */
final class Niodev {
    private static final Object LOCK = new Object();
    private static MpjTransport joined;
    private static Socket control;
    private static DataOutputStream controlOut;
    private static volatile boolean reported;
    private static final AtomicReference<Thread> EXITING = new AtomicReference<>();
    private static final java.util.concurrent.atomic.AtomicBoolean FINISHED = new java.util.concurrent.atomic.AtomicBoolean();
    /** The threads alive once MPJ started (its own non-daemon threads among them), which the end of a rank ignores. */
    private static java.util.Set<Thread> mpjThreads = java.util.Set.of();

    private Niodev() {
    }

    /** Joins the job once: the launcher's rendezvous, {@code MPI.Init} of the niodev device. */
    static MpjTransport join() {
        synchronized (LOCK) {
            if (joined != null) {
                return joined;
            }
            Map<String, String> env = System.getenv();
            String rankText = env.get(MpjEngine.RANK_ENV);
            String sizeText = env.get(Rendezvous.SIZE_ENV);
            String server = env.get(Rendezvous.SERVER_ENV);
            if (rankText == null || sizeText == null || server == null) {
                throw MpjEngine.notLaunched();
            }
            int rank = Integer.parseInt(rankText);
            int size = Integer.parseInt(sizeText);
            LineOutput.installForProcess(); // whole lines: every rank's output shares the launcher's
            LastWords.arm();
            Thread.setDefaultUncaughtExceptionHandler((t, e) -> fail(rank, size, e));
            MpjInstallation installation = MpjInstallation.forThisProcess();
            Mpj mpj = new Mpj(installation.niodevLoader(), "the niodev device of MPJ Express " + installation.home());
            try {
                byte[] key = Rendezvous.unhex(readKeyLine(System.in));
                int colon = server.lastIndexOf(':');
                String host = server.substring(0, colon);
                int port = Integer.parseInt(server.substring(colon + 1));
                control = new Socket();
                control.connect(new InetSocketAddress(host, port), 60_000);
                control.setTcpNoDelay(true);
                control.setSoTimeout(120_000);
                DataInputStream in = new DataInputStream(new BufferedInputStream(control.getInputStream()));
                controlOut = new DataOutputStream(control.getOutputStream());
                Rendezvous.greet(in, controlOut, key, rank);
                initThroughRelay(mpj, rank, size, in);
                mpjThreads = java.util.Set.copyOf(Thread.getAllStackTraces().keySet());
                control.setSoTimeout(0);
                supervise(in);
            } catch (InitFailed e) {
                throw new JparException("rank " + rank + " of " + size + ": MPJ Express's MPI.Init failed: "
                        + e.getCause() + " (check the MPJ Express installation: MPJ_HOME or --mpj-home)", e.getCause());
            } catch (IOException | RuntimeException e) {
                throw new JparException("rank " + rank + " of " + size + " could not join the niodev job through the "
                        + "launcher at " + server + ": " + e, e);
            }
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            joined = new MpjTransport(mpj, MpjEngine.NIODEV, loader != null ? loader : Niodev.class.getClassLoader(),
                    Thread.currentThread().getThreadGroup(), null, null);
            RawMpj.bindProcess(mpj, joined.dupWorld());
            Runtime.getRuntime().addShutdownHook(new Thread(Niodev::atExit, "jpar-mpj-exit"));
            return joined;
        }
    }

    /** Reads the job key (a line of hex) from standard input, leaving the rest for the program. */
    private static String readKeyLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("standard input ended before the job key (is this rank started by jpar run?)");
            }
            if (line.size() > 2 * Rendezvous.KEY_BYTES + 2) {
                throw new IOException("the first line of standard input is not a job key");
            }
            line.write(b);
        }
        return line.toString(java.nio.charset.StandardCharsets.US_ASCII).trim();
    }

    /**
     * Runs {@code MPI.Init} for the niodev device with a conf whose server is a one-connection relay on loopback: MPJ's
     * "Sending Info" goes to the launcher over the authenticated connection, its peer table comes back the same way.
     */
    private static void initThroughRelay(Mpj mpj, int rank, int size, DataInputStream in) throws IOException {
        try (ServerSocket relay = new ServerSocket()) {
            relay.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            relay.setSoTimeout(120_000);
            String conf = Rendezvous.conf(size, InetAddress.getLoopbackAddress().getHostAddress(), relay.getLocalPort());
            AtomicReference<Throwable> initFailure = new AtomicReference<>();
            AtomicReference<Socket> accepted = new AtomicReference<>();
            PrintStream err = System.err;
            Thread init = new Thread(() -> {
                try {
                    mpj.init(new String[] {Integer.toString(rank), conf, MpjEngine.NIODEV});
                } catch (Throwable e) {
                    initFailure.set(e);
                    // the relay below may wait for MPJ's messages: end that wait, the failure is thrown
                    closeQuietly(accepted.getAndSet(CLOSED_RELAY));
                }
            }, "jpar-mpj-init");
            // MPI.Init prints a stack trace when MPJ_HOME has no conf/mpjexpress.conf, and goes on
            System.setErr(new PrintStream(OutputStream.nullOutputStream(), true));
            try {
                init.start();
                try (Socket mpjSide = acceptFromInit(relay, init, initFailure)) {
                    if (!accepted.compareAndSet(null, mpjSide)) {
                        throw initFailed(initFailure.get());
                    }
                    mpjSide.setSoTimeout(120_000);
                    DataInputStream fromMpj = new DataInputStream(mpjSide.getInputStream());
                    DataOutputStream toMpj = new DataOutputStream(mpjSide.getOutputStream());
                    String hello = fromMpj.readUTF();
                    int writePort = fromMpj.readInt();
                    int readPort = fromMpj.readInt();
                    int claimed = fromMpj.readInt();
                    if (!"Sending Info".equals(hello) || claimed != rank) {
                        throw new IOException("MPJ's rendezvous message was not as expected: '" + hello + "', rank "
                                + claimed);
                    }
                    controlOut.writeInt(writePort);
                    controlOut.writeInt(readPort);
                    controlOut.flush();
                    String table;
                    try {
                        table = in.readUTF();
                    } catch (IOException e) {
                        // the launcher stopped the job while it started (another rank failed) or went away: as
                        // supervise(), halt without a failure of this rank's own (the launcher names the one that failed)
                        System.setErr(err);
                        LineOutput.flushProcess();
                        Runtime.getRuntime().halt(1);
                        throw e;
                    }
                    toMpj.writeUTF(table);
                    toMpj.flush();
                } catch (IOException e) {
                    if (initFailure.get() != null) {
                        throw initFailed(initFailure.get());
                    }
                    throw e;
                }
                init.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while MPI.Init ran", e);
            } finally {
                System.setErr(err);
            }
            if (initFailure.get() != null) {
                throw initFailed(initFailure.get());
            }
        }
    }

    /** Stands for the relay's connection once MPI.Init failed: none may be used any more. */
    private static final Socket CLOSED_RELAY = new Socket();

    /**
     * @return MPJ's connection to the relay; MPI.Init failing (or ending) before it connects ends the wait at once
     *         with its failure (a damaged MPJ class, say): the rank fails with it, rather than wait for a connection
     *         that never comes while the launcher waits for the rank
     */
    private static Socket acceptFromInit(ServerSocket relay, Thread init, AtomicReference<Throwable> initFailure)
            throws IOException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        relay.setSoTimeout(100);
        while (true) {
            try {
                return relay.accept();
            } catch (java.net.SocketTimeoutException e) {
                if (initFailure.get() != null) {
                    throw initFailed(initFailure.get());
                }
                if (!init.isAlive()) {
                    throw new IOException("MPJ's MPI.Init ended without sending its rendezvous message");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("MPJ's MPI.Init did not send its rendezvous message within 120 s");
                }
            }
        }
    }

    /** MPJ's {@code MPI.Init} failed in this rank (its cause): not the launcher's connection. */
    private static final class InitFailed extends JparException {
        private static final long serialVersionUID = 1L;

        InitFailed(Throwable cause) {
            super("MPI.Init failed: " + cause, cause);
        }
    }

    private static RuntimeException initFailed(Throwable t) {
        return new InitFailed(t);
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closed
            }
        }
    }

    /** Halts this rank when the launcher says stop or goes away. */
    private static void supervise(DataInputStream in) {
        Thread t = new Thread(() -> {
            try {
                int b = in.read();
                while (b >= 0 && b != Rendezvous.STOP) {
                    b = in.read();
                }
            } catch (IOException e) {
                // the launcher is gone
            }
            if (EXITING.get() == null) {
                LineOutput.flushProcess();
                Diagnostics.writePartBeforeHalt();
                Runtime.getRuntime().halt(1);
            }
        }, "jpar-mpj-supervision");
        t.setDaemon(true);
        t.start();
    }

    /** Reports {@code failure} as this rank's, tells the launcher, and ends the rank with exit code 1. */
    static void fail(int rank, int size, Throwable failure) {
        LastWords.release();
        synchronized (Niodev.class) {
            if (!reported) {
                reported = true;
                try {
                    System.out.flush();
                    System.err.println("jpar: rank " + rank + " of " + size + " failed: " + failure);
                    failure.printStackTrace(System.err);
                    System.err.flush();
                } catch (OutOfMemoryError e) {
                    LastWords.rankFailed(rank, size, failure);
                    LastWords.println("jpar: (no stack trace: the heap is full)");
                }
            }
        }
        LineOutput.flushProcess();
        Diagnostics.writePartBeforeHalt();
        tell(Rendezvous.FAILED);
        Runtime.getRuntime().halt(1);
    }

    /** For a failure before the rank knows its place (no transport yet). */
    static void fail(Throwable failure) {
        Map<String, String> env = System.getenv();
        int rank = parse(env.get(MpjEngine.RANK_ENV));
        int size = parse(env.get(Rendezvous.SIZE_ENV));
        fail(rank, size, failure);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** {@code Par.abort} in a niodev job: the launcher stops every rank and exits with {@code status}. */
    static void abort(int status) {
        int code = status;
        reported = true;
        LineOutput.flushProcess();
        Diagnostics.writePartBeforeHalt();
        DataOutputStream out = controlOut;
        if (out != null) {
            try {
                synchronized (out) {
                    out.write(Rendezvous.ABORT);
                    out.writeInt(code);
                    out.flush();
                }
            } catch (IOException e) {
                // the launcher is gone
            }
        }
        Runtime.getRuntime().halt(code);
    }

    private static void tell(int what) {
        DataOutputStream out = controlOut;
        if (out != null) {
            try {
                synchronized (out) {
                    out.write(what);
                    out.flush();
                }
            } catch (IOException e) {
                // the launcher is gone: it sees this rank end
            }
        }
    }

    /**
     * After {@code main} returned: waits, as the JVM does, for the non-daemon threads the program started (MPJ's own
     * non-daemon threads would keep the JVM alive for ever), ends the rank normally and exits with code 0.
     */
    static void endOfMain() {
        Thread me = Thread.currentThread();
        while (true) {
            Thread next = null;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t != me && !t.isDaemon() && t.isAlive() && !mpjThreads.contains(t)
                        && !t.getName().equals("DestroyJavaVM")) {
                    next = t;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            try {
                next.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        finishNormally();
        System.exit(0);
    }

    /**
     * At the normal end of the rank: let MPJ deliver what this rank sent, {@code MPI.Finalize} (waits for every rank),
     * and tell the launcher. Once.
     */
    private static void finishNormally() {
        MpjTransport t = joined;
        if (t == null || reported || !FINISHED.compareAndSet(false, true)) {
            return;
        }
        t.close();
        t.drainSends(30_000);
        try {
            t.finish();
        } catch (RuntimeException e) {
            System.err.println("jpar: rank " + t.rank() + ": MPI.Finalize at exit failed: " + e.getMessage());
        }
        LineOutput.flushProcess();
        tell(Rendezvous.ENDED);
    }

    /**
     * At JVM exit (a shutdown hook): a rank that called {@code System.exit} before finishing stops the job; one the
     * launcher stops by a signal just ends; otherwise the rank ends normally. Never blocks a rank the launcher is
     * stopping (it halts from the supervision thread).
     */
    private static void atExit() {
        EXITING.set(Thread.currentThread());
        MpjTransport t = joined;
        if (t == null || reported || FINISHED.get()) {
            return;
        }
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            String name = th.getName();
            if (name.startsWith("SIG") && name.endsWith(" handler")) {
                return; // stopped by a signal (the launcher, or the user): do not block
            }
        }
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement f : e.getValue()) {
                if (f.getMethodName().equals("exit") && (f.getClassName().equals("java.lang.Runtime")
                        || f.getClassName().equals("java.lang.System")) && !t.isClosed()) {
                    System.out.flush();
                    System.err.println("jpar: rank " + t.rank() + " of " + t.size() + " called System.exit before "
                            + "Par.finish(), while other ranks may still run; the job is stopped. End a rank by "
                            + "returning from main (or call Par.finish() first); stop the job by throwing.");
                    System.err.flush();
                    reported = true;
                    LineOutput.flushProcess();
                    tell(Rendezvous.FAILED);
                    Runtime.getRuntime().halt(1);
                }
            }
        }
        finishNormally();
    }
}
