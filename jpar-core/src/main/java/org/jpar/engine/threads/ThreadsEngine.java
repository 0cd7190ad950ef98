package org.jpar.engine.threads;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.charset.Charset;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.internal.Engines;
import org.jpar.internal.LastWords;
import org.jpar.internal.LineOutput;
import org.jpar.internal.MainMethods;
import org.jpar.internal.Settings;

/**
 * The embedded engine: N ranks as threads of this JVM. The default engine; needs no installation, and makes SPMD
 * code testable inside JUnit ({@link #run(int, RankBody)}).
 *
 * <p>Settings (system properties): {@code jpar.threads.spinMicros}, how long a receive spins before it parks
 * (default 50 while ranks do not outnumber cores, else 0); {@code jpar.threads.eagerLimit}, the largest array in
 * bytes that a send copies and leaves behind (default 16384); a larger one waits for its receiver, which copies it
 * once (as MPI does).
 */
public final class ThreadsEngine {
    /** The engine's name for {@code --engine}. */
    public static final String NAME = "threads";
    /**
     * System property choosing what a rank runs in: {@code platform} (the default: an operating-system thread per
     * rank) or {@code virtual} (JDK 24+: a virtual thread per rank, carried by a few platform threads; many ranks on
     * few cores wake each other in well under a microsecond of core time instead of an operating-system context
     * switch, so a 1024-rank collective takes about 0.5 ms instead of 10 ms on 2 cores). With virtual ranks, a
     * thread a rank starts is a daemon (as every thread a virtual thread starts), so a rank of {@code jpar run} ends
     * when its {@code main} returns; an uncaught exception in it still fails the rank.
     */
    public static final String RANKS_PROPERTY = "jpar.threads.ranks";
    /** The most ranks one embedded job may have. */
    public static final int MAX_RANKS = 1 << 16;
    /** How long the other ranks get to stop after one failed before the job is reported. */
    public static final long GRACE_MILLIS = 500;

    /** System property that turns strict mode on for every job of this JVM (see {@link #run(int, boolean, RankBody)}). */
    public static final String STRICT_PROPERTY = "jpar.strict";

    private static volatile String hostName;

    /** The body of a rank, for {@link #run(int, RankBody)}. */
    @FunctionalInterface
    public interface RankBody {
        /** @param world the rank's world communicator (also what {@code Par} uses in this thread) */
        void run(Communicator world) throws Throwable;
    }

    private ThreadsEngine() {
    }

    /** @return a world of one rank for a process started without a launcher (what plain {@code java} gives) */
    public static Communicator singleton() {
        ThreadsJob job = newJob(1, strictByDefault());
        return new Communicator(new ThreadsTransport(job, 0, contextLoader()));
    }

    /**
     * Runs {@code body} as {@code size} ranks, each in its own thread sharing this class loader (so statics are
     * shared: this is for tests and benchmarks; {@link #launch} gives each rank its own classes). Returns when all
     * ranks have ended. If a rank throws, the others are stopped and its exception is rethrown here, with a
     * suppressed note that names the rank.
     */
    public static void run(int size, RankBody body) {
        run(size, strictByDefault(), body);
    }

    /**
     * {@link #run(int, RankBody)}, in strict mode or not.
     *
     * <p>Strict mode checks what the embedded engine would otherwise let pass and an MPI cluster would not: every send
     * with a user tag completes only when a receive has matched it (MPI's synchronous send, {@code MPI_Ssend}), so a
     * program that relies on sends being buffered (every rank sends to its neighbour, then receives) deadlocks here
     * at every message size, and is reported with the cycle of ranks waiting for each other, instead of passing here
     * and hanging on a cluster once its messages outgrow the MPI's eager limit. A send to the sending rank itself stays
     * buffered (it is on every jpar engine). Ranks that call different collectives at the same point, or one with
     * different roots, fail naming both calls; messages no receive took and receives never matched when the job ends
     * fail it, naming each with the line that sent it; a receive whose expected type does not match names the line
     * that sent the message. Costs: a stack walk per send (microseconds) and a bookkeeping step per collective.
     */
    public static void run(int size, boolean strict, RankBody body) {
        checkSize(size);
        ThreadsJob job = newJob(size, strict);
        ClassLoader loader = contextLoader();
        for (int r = 0; r < size; r++) {
            Communicator world = new Communicator(new ThreadsTransport(job, r, loader));
            job.start(r, loader, false, () -> {
                Engines.bind(world);
                body.run(world);
            });
        }
        job.launch();
        ThreadsJob.Failure f = awaitUninterruptibly(job);
        if (f != null) {
            Throwable cause = f.cause();
            if (f.rank() >= 0) {
                cause.addSuppressed(new JparException("thrown by rank " + f.rank() + " of " + size));
            }
            sneakyThrow(cause);
        }
    }

    /**
     * Runs {@code mainClass}'s {@code main(args)} as {@code size} ranks, each with its own copy of the program's
     * classes (its own static state), with line-atomic output. This is what {@code jpar run --engine threads} does.
     *
     * @return the exit code: 0 if every rank ended normally, 1 if one failed (reported on {@code err} with the rank
     *         and its stack trace), the status of {@code abort(code)} if a rank called it (reported in one line)
     */
    public static int launch(int size, String mainClass, String[] args, ClassLoader parent) {
        checkSize(size);
        PrintStream realErr = System.err;
        LineOutput out = new LineOutput(new FileOutputStream(FileDescriptor.out));
        LineOutput err = new LineOutput(new FileOutputStream(FileDescriptor.err));
        Charset cs = Charset.defaultCharset();
        System.setOut(new PrintStream(out, true, cs));
        System.setErr(new PrintStream(err, true, cs));
        ThreadsJob job = newJob(size, strictByDefault());
        LastWords.arm();
        Engines.refuseUnbound(Engines.NO_RANK);
        RankClassLoader.ClassBytes bytes = new RankClassLoader.ClassBytes(parent);
        for (int r = 0; r < size; r++) {
            RankClassLoader loader = new RankClassLoader(r, bytes, parent);
            Communicator world = new Communicator(new ThreadsTransport(job, r, loader));
            job.start(r, loader, true, () -> {
                Engines.bind(world);
                Method main = MainMethods.find(loader, mainClass);
                try {
                    main.invoke(null, (Object) args.clone());
                } catch (Throwable e) {
                    flushQuietly(out, err); // what the rank printed before it failed; never hides its failure
                    throw e;
                }
                out.flushThread();
                err.flushThread();
            });
        }
        Thread exitWatch = new Thread(() -> reportExit(job, size), "jpar-exit-watch");
        Runtime.getRuntime().addShutdownHook(exitWatch);
        job.launch();
        ThreadsJob.Failure f = awaitUninterruptibly(job);
        Runtime.getRuntime().removeShutdownHook(exitWatch);
        System.out.flush();
        System.err.flush();
        if (f == null) {
            return 0;
        }
        if (f.cause() instanceof ThreadsJob.Aborted a) {
            realErr.println("jpar: rank " + a.rank + " of " + size + " called abort(" + a.code + "): the job was "
                    + "stopped (exit code " + a.status + ")");
            realErr.flush();
            return a.status;
        }
        report(f, size, realErr);
        return 1;
    }

    /**
     * Says which rank failed and why, with its stack trace. With a full heap (a rank that keeps it full) there may be
     * no room to format that: the rank and the exception are then written without allocating, and the stack trace
     * is left out.
     */
    private static void report(ThreadsJob.Failure f, int size, PrintStream realErr) {
        boolean headline = false;
        try {
            if (f.rank() >= 0) {
                realErr.println("jpar: rank " + f.rank() + " of " + size + " failed: " + f.cause());
                headline = true;
                MainMethods.withoutLauncherFrames(f.cause());
                f.cause().printStackTrace(realErr);
            } else {
                realErr.println("jpar: " + f.cause().getMessage());
                headline = true;
            }
            realErr.println("jpar: the job was stopped (exit code 1)");
            realErr.flush();
        } catch (OutOfMemoryError e) {
            realErr.flush();
            if (!headline && f.rank() >= 0) {
                LastWords.rankFailed(f.rank(), size, f.cause());
            } else if (!headline) {
                LastWords.println("jpar: the job was stopped: no memory left to say why");
            }
            LastWords.println("jpar: (no stack trace: the heap is full)");
            LastWords.println("jpar: the job was stopped (exit code 1)");
        }
    }

    private static void flushQuietly(LineOutput out, LineOutput err) {
        try {
            out.flushThread();
            err.flushThread();
        } catch (Throwable e) {
            // the rank's own failure is what counts
        }
    }

    /** Verifies up front that {@code mainClass} has a {@code public static void main(String[])}. */
    public static void checkMainClass(String mainClass, ClassLoader loader) {
        MainMethods.find(loader, mainClass);
    }

    /** A rank called System.exit while others still ran: say which, and never leave a zero exit code behind. */
    private static void reportExit(ThreadsJob job, int size) {
        if (job.failure() != null) {
            return;
        }
        int caller = -1;
        int running = 0;
        for (int r = 0; r < size; r++) {
            Thread t = job.thread(r);
            if (t.isAlive()) {
                running++;
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().equals("java.lang.Runtime") && e.getMethodName().equals("exit")) {
                        caller = r;
                    }
                }
            }
        }
        if (caller >= 0 && running > 1) {
            System.err.flush();
            new PrintStream(new FileOutputStream(FileDescriptor.err), true).println("jpar: rank " + caller
                    + " called System.exit while " + (running - 1) + " other rank(s) still ran; the job is stopped "
                    + "(exit code 1). End a rank by returning from main; stop the job by throwing.");
            Runtime.getRuntime().halt(1);
        }
    }

    private static ThreadsJob.Failure awaitUninterruptibly(ThreadsJob job) {
        while (true) {
            try {
                return job.await(GRACE_MILLIS);
            } catch (InterruptedException e) {
                job.fail(-1, new JparException("the launching thread was interrupted"));
            }
        }
    }

    private static ThreadsJob newJob(int size, boolean strict) {
        int cores = Runtime.getRuntime().availableProcessors();
        Settings.checkAll(); // one clear error for a bad -Djpar... number, before any rank starts
        long spinMicros = Settings.SPIN_MICROS.get(size <= cores ? 50 : 0);
        long eagerLimit = Settings.EAGER_LIMIT.get(16 * 1024);
        return new ThreadsJob(size, hostName(), spinMicros * 1000, eagerLimit, strict, virtualRanks());
    }

    /**
     * @return true if {@value #RANKS_PROPERTY} asks for virtual-thread ranks
     * @throws JparException if it names neither kind, or asks for virtual threads on a JDK before 24
     */
    public static boolean virtualRanks() {
        String kind = System.getProperty(RANKS_PROPERTY, "platform");
        switch (kind) {
            case "platform":
                return false;
            case "virtual":
                int feature = Runtime.version().feature();
                if (feature < 24) {
                    throw new JparException("-D" + RANKS_PROPERTY + "=virtual needs JDK 24 or later (this is JDK "
                            + feature + "): before JDK 24 a virtual thread that waits inside a synchronized block "
                            + "holds its carrier (JEP 491), and ranks that wait so would stop the job; run on JDK 24+ "
                            + "or leave ranks as platform threads (the default)");
                }
                return true;
            default:
                throw new JparException("-D" + RANKS_PROPERTY + "=" + kind + " is not a kind of rank thread: choose "
                        + "platform (the default: one thread of the operating system per rank) or virtual (JDK 24+: "
                        + "many ranks on few cores)");
        }
    }

    /** @return the system property {@value #STRICT_PROPERTY} ({@code jpar run --strict} sets it): default false */
    public static boolean strictByDefault() {
        return Boolean.getBoolean(STRICT_PROPERTY);
    }

    private static void checkSize(int size) {
        if (size < 1 || size > MAX_RANKS) {
            throw new JparException("number of ranks " + size + " is out of range: the threads engine runs 1.."
                    + MAX_RANKS + " ranks");
        }
    }

    private static ClassLoader contextLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : ThreadsEngine.class.getClassLoader();
    }

    static String hostName() {
        String h = hostName;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                h = System.getenv().getOrDefault("HOSTNAME", "localhost");
            }
            hostName = h;
        }
        return h;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
