package org.jpar.engine.mpj;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.engine.threads.RankClassLoader;
import org.jpar.internal.Engines;
import org.jpar.internal.LastWords;
import org.jpar.internal.LineOutput;
import org.jpar.internal.MainMethods;

/**
 * A job on MPJ Express's multicore device ({@code smpdev}): every rank is a thread of this JVM, as MPJ requires it.
 * MPJ's device part (smpdev, xdev, mpjbuf, mpiExp) and log4j are loaded once; {@code mpi.*} and {@code mpjdev.*}, whose
 * {@code MPI.COMM_WORLD} is static, once per rank in a class loader of its own; the program's classes once per rank
 * too (its own statics, as a process would have). A rank's threads run in MPJ's {@code SMPDevProcess} thread group,
 * which is how the device tells ranks apart (only its threads may call MPJ for the rank), inside a group of jpar's
 * that turns an exception none of them catches into the rank's failure.
 *
 * <p>A failure anywhere (an exception in any thread of any rank) prints {@code jpar: rank R of N failed: ...} with the
 * stack trace and ends the job at once, with exit code 1: MPJ's device cannot stop a rank blocked inside it, and its
 * static state cannot serve another job, so the JVM ends (MPJ's own starter exits 0 and leaves the other ranks
 * running).
 */
public final class Multicore {
    /** The device's name as MPJ's {@code MPI.Init} wants it. */
    static final String SMPDEV = "smpdev";

    private Multicore() {
    }

    /** A rank's threads: an exception none of them catches fails the rank, and with it the job. */
    private static final class RankGroup extends ThreadGroup {
        private final Job job;
        private final int rank;

        RankGroup(Job job, int rank) {
            super("jpar-mpj-rank-" + rank);
            this.job = job;
            this.rank = rank;
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            job.fail(rank, e);
        }
    }

    /** How the job failed: made in advance for every rank, so a rank with a full heap still fails without allocating. */
    private static final class Failure {
        final int rank;
        volatile Throwable cause;

        Failure(int rank) {
            this.rank = rank;
        }

        int rank() {
            return rank;
        }

        Throwable cause() {
            return cause;
        }
    }

    private static final class Job {
        final int size;
        final AtomicReference<Failure> failure = new AtomicReference<>();
        final CountDownLatch finished;
        final CountDownLatch initialized;
        final Failure[] failures;
        final Failure other = new Failure(-1);
        /** The ranks' doorbells, which their receives wait on (see {@link Doorbell}). */
        final Doorbell[] bells;
        /** The world's all-to-all tags (see {@link BlockBoard}). */
        final BlockBoard board;

        Job(int size) {
            this.size = size;
            this.bells = Doorbell.forJob(size);
            this.board = new BlockBoard(size);
            this.finished = new CountDownLatch(size);
            this.initialized = new CountDownLatch(size);
            this.failures = new Failure[size];
            for (int r = 0; r < size; r++) {
                failures[r] = new Failure(r);
            }
        }

        /** Records the job's first failure; allocates nothing (a failing rank's heap may be full). */
        void fail(int rank, Throwable cause) {
            LastWords.release(); // the job is over: reporting it may need the memory
            Failure f = rank >= 0 ? failures[rank] : other;
            if (f.cause == null) {
                f.cause = cause;
            }
            failure.compareAndSet(null, f);
        }
    }

    /**
     * Runs {@code mainClass}'s {@code main(args)} as {@code size} ranks of one multicore job in this JVM, with
     * line-atomic output. This is what {@code jpar run --engine mpj} does.
     *
     * @return 0 if every rank ended normally, 1 if one failed (reported on standard error with the rank and its stack
     *         trace); then the other ranks may still be blocked inside MPJ, which cannot stop them: the caller ends the
     *         JVM
     */
    public static int launch(MpjInstallation installation, int size, String mainClass, String[] args,
                             ClassLoader parent) {
        PrintStream realErr = System.err;
        LineOutput out = new LineOutput(new FileOutputStream(FileDescriptor.out));
        LineOutput err = new LineOutput(new FileOutputStream(FileDescriptor.err));
        Charset cs = Charset.defaultCharset();
        PrintStream lineErr = new PrintStream(err, true, cs);
        System.setOut(new PrintStream(out, true, cs));
        // MPI.Init prints a stack trace when MPJ_HOME has no conf/mpjexpress.conf, and goes on: not the user's business
        System.setErr(new PrintStream(OutputStream.nullOutputStream(), true, cs));
        Job job = new Job(size);
        LastWords.arm();
        Engines.refuseUnbound(Engines.NO_RANK);
        ClassLoader shared = installation.multicoreSharedLoader();
        Class<?> smpProcess;
        try {
            smpProcess = Class.forName("xdev.smpdev.SMPDevProcess", true, shared);
        } catch (ClassNotFoundException e) {
            System.setErr(realErr);
            throw new JparException(installation + " has no multicore device (xdev.smpdev.SMPDevProcess in smpdev.jar)",
                    e);
        }
        RankClassLoader.ClassBytes bytes = new RankClassLoader.ClassBytes(parent);
        Thread[] threads = new Thread[size];
        for (int r = 0; r < size; r++) {
            int rank = r;
            RankClassLoader userLoader = new RankClassLoader(r, bytes, parent);
            ClassLoader mpjLoader = installation.multicoreRankLoader(r, shared);
            ThreadGroup group;
            try {
                group = (ThreadGroup) smpProcess.getConstructor(ThreadGroup.class, String.class)
                        .newInstance(new RankGroup(job, r), "smpdev-rank-" + r);
            } catch (ReflectiveOperationException e) {
                System.setErr(realErr);
                throw new JparException("cannot make MPJ's SMPDevProcess thread group: " + e, e);
            }
            Thread t = new Thread(group, () -> {
                try {
                    runRank(job, rank, mpjLoader, userLoader, group, mainClass, args, realErr, lineErr);
                    out.flushThread();
                    err.flushThread();
                    awaitNonDaemonThreads(group);
                } catch (Throwable e) {
                    flushQuietly(out, err);
                    job.fail(rank, e);
                } finally {
                    job.finished.countDown();
                }
            }, "jpar-mpj-rank-" + r);
            t.setContextClassLoader(userLoader);
            threads[r] = t;
        }
        Thread exitWatch = new Thread(() -> reportExit(job, threads), "jpar-mpj-exit-watch");
        Runtime.getRuntime().addShutdownHook(exitWatch);
        for (Thread t : threads) {
            t.start();
        }
        // polls without allocating: a rank may keep the heap full, and this thread must live to report it
        while (job.failure.get() == null && job.finished.getCount() > 0) {
            LockSupport.parkNanos(20_000_000L);
        }
        Failure f = job.failure.get();
        try {
            Runtime.getRuntime().removeShutdownHook(exitWatch);
        } catch (IllegalStateException e) {
            // the JVM is exiting already: the watch has its say
        }
        System.out.flush();
        if (f == null) {
            System.err.flush();
            return 0;
        }
        System.setErr(realErr);
        report(f, size, realErr);
        return 1;
    }

    private static void runRank(Job job, int rank, ClassLoader mpjLoader, ClassLoader userLoader, ThreadGroup group,
                                String mainClass, String[] args, PrintStream realErr, PrintStream lineErr)
            throws Throwable {
        Mpj mpj = new Mpj(mpjLoader, "the multicore device of MPJ Express");
        MpjTransport t;
        try {
            mpj.init(new String[] {Integer.toString(rank), Integer.toString(job.size), SMPDEV});
            t = new MpjTransport(mpj, "multicore", userLoader, group, job.bells, job.board);
        } finally {
            job.initialized.countDown();
        }
        job.initialized.await();
        synchronized (job) {
            if (System.err != lineErr && System.err != realErr) {
                System.setErr(lineErr); // every rank is past MPI.Init: from now on standard error is the program's
            }
        }
        RawMpj.bindThread(mpj, t.dupWorld());
        Communicator world = new Communicator(t);
        Engines.bind(world);
        Method main = MainMethods.find(userLoader, mainClass);
        try {
            main.invoke(null, (Object) args.clone());
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() != null ? MainMethods.withoutLauncherFrames(e.getCause()) : e;
        }
    }

    /**
     * A rank called {@code System.exit} while others still ran (the JVM is the whole job): say which, as the embedded
     * engine does, and never leave the rank's exit code behind as the job's.
     */
    private static void reportExit(Job job, Thread[] threads) {
        if (job.failure.get() != null || job.finished.getCount() == 0) {
            return;
        }
        int caller = -1;
        int running = 0;
        for (int r = 0; r < threads.length; r++) {
            ThreadGroup rankGroup = threads[r].getThreadGroup();
            if (threads[r].isAlive()) {
                running++;
            }
            if (rankGroup == null) {
                continue;
            }
            Thread[] all = new Thread[rankGroup.activeCount() + 4];
            int n = rankGroup.enumerate(all, true);
            for (int i = 0; i < n; i++) {
                for (StackTraceElement e : all[i].getStackTrace()) {
                    if (e.getClassName().equals("java.lang.Runtime") && e.getMethodName().equals("exit")) {
                        caller = r;
                    }
                }
            }
        }
        if (caller >= 0 && running > 1) {
            System.out.flush();
            new PrintStream(new FileOutputStream(FileDescriptor.err), true).println("jpar: rank " + caller + " of "
                    + threads.length + " called System.exit while " + (running - 1) + " other rank(s) still ran; the "
                    + "job is stopped (exit code 1). End a rank by returning from main; stop the job by throwing.");
            Runtime.getRuntime().halt(1);
        }
    }

    /** {@code Par.abort(code)} in a multicore job: the JVM (the whole job) ends with {@code code}. */
    static void abort(int code) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    /** Waits, as the JVM does at the end of {@code main}, until the non-daemon threads the rank started end. */
    private static void awaitNonDaemonThreads(ThreadGroup group) throws InterruptedException {
        Thread me = Thread.currentThread();
        while (true) {
            Thread next = null;
            Thread[] all = new Thread[group.activeCount() + 4];
            int n = group.enumerate(all, true);
            for (int i = 0; i < n && next == null; i++) {
                if (all[i] != me && !all[i].isDaemon() && all[i].isAlive()) {
                    next = all[i];
                }
            }
            if (next == null) {
                return;
            }
            next.join();
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

    /** Says which rank failed and why, with its stack trace (without it when the heap is full). */
    private static void report(Failure f, int size, PrintStream realErr) {
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
            }
            LastWords.println("jpar: (no stack trace: the heap is full)");
            LastWords.println("jpar: the job was stopped (exit code 1)");
        }
    }
}
