package org.jpar.internal.diag;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.jpar.spi.Transport;

/**
 * The hang watch of a rank of an MPI engine (one rank per process): a daemon thread that looks, once per period, at
 * what this process's threads are blocked in inside jpar ({@link Activity}). The rank is <em>stalled</em> when since
 * the last look no operation of it started or ended, at least one of its threads is blocked in one, none of its
 * threads was in a phase of work inside a jpar call ({@link Working}: encoding, decoding, the user's operator), and
 * its threads outside jpar calls (also those started since the last look) used under 2% of a core: so a rank that
 * computes, in any thread and however loaded the machine, is never stalled. The CPU a thread spends inside a blocked
 * call is not counted: engines poll there (Open MPI's progress loop).
 *
 * <p>Under {@code jpar run} ({@value #LAUNCHER_PROPERTY}) the rank tells the launcher each change of its state in
 * one line on standard error ({@code jpar-hang-state RANK stalled|running|finished ...}, which the launcher takes out
 * of the output): only the launcher, which hears from every rank, can tell a hang (every rank stalled or finished for
 * the timeout) from ranks waiting for one that computes. Started by plain {@code mpirun} with
 * {@code -Djpar.hang.timeout=S}, a rank reports itself once it has been stalled that long (and, with
 * {@code -Djpar.hang.abort=true}, aborts the job): it cannot know whether another rank computes meanwhile. Any MPI
 * engine gets this by its transport being wrapped ({@link Diagnostics}).
 */
final class HangWatch {
    /** Seconds without progress before a hang is reported; 0 or absent: off (plain mpirun), set by jpar run. */
    static final String TIMEOUT_PROPERTY = "jpar.hang.timeout";
    /** True when {@code jpar run} supervises the job and wants state lines. */
    static final String LAUNCHER_PROPERTY = "jpar.hang.launcher";
    /** Plain mpirun: abort the job when this rank hangs. */
    static final String ABORT_PROPERTY = "jpar.hang.abort";
    /** The state lines' prefix. */
    static final String STATE_PREFIX = "jpar-hang-state ";

    private static HangWatch started;

    private final Transport world;
    private final long timeoutNanos;
    private final long periodNanos;
    private final boolean launcher;
    private final boolean abort;
    private final PrintStream err = System.err;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> cpuSeen = new HashMap<>();
    private Thread thread;
    private volatile boolean finished;
    private boolean stalled;
    private boolean reported;
    private String lastLine;
    private long lastProgressNanos = System.nanoTime();

    private HangWatch(Transport world, long timeoutNanos, boolean launcher, boolean abort) {
        this.world = world;
        this.timeoutNanos = timeoutNanos;
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(TimeUnit.SECONDS.toNanos(1),
                timeoutNanos / 4));
        this.launcher = launcher;
        this.abort = abort;
    }

    /** @return the timeout in ns from the system properties, or 0 when the watch is off */
    static long configuredTimeoutNanos() {
        String s = System.getProperty(TIMEOUT_PROPERTY);
        if (s == null || s.isBlank()) {
            return 0;
        }
        try {
            double seconds = Double.parseDouble(s.trim());
            if (!(seconds >= 0 && seconds <= 1e9)) { // NaN fails both
                throw new org.jpar.JparException("-D" + TIMEOUT_PROPERTY + "=" + s + " is out of range: give seconds, "
                        + "e.g. 60, or 0 for no hang watch");
            }
            return (long) (seconds * 1e9);
        } catch (NumberFormatException e) {
            throw new org.jpar.JparException("-D" + TIMEOUT_PROPERTY + "=" + s + " is not a number of seconds: give "
                    + "e.g. 60, or 0 for no hang watch");
        }
    }

    /** Starts the process's watch for its world transport, once. */
    static synchronized void start(Transport world, long timeoutNanos) {
        if (started != null) {
            return;
        }
        HangWatch w = new HangWatch(world, timeoutNanos, Boolean.getBoolean(LAUNCHER_PROPERTY),
                Boolean.getBoolean(ABORT_PROPERTY));
        started = w;
        Working.on = true;
        w.thread = new Thread(w::watch, "jpar-hang-watch");
        w.thread.setDaemon(true);
        w.thread.start();
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(w::finish, "jpar-hang-watch-exit"));
        } catch (IllegalStateException e) {
            // exiting already
        }
    }

    /** The world's rank finished (Par.finish, or the JVM ends): it waits for nobody any more. */
    static void finished(Transport world) {
        HangWatch w = started;
        if (w != null && w.world == world) {
            w.finish();
        }
    }

    private synchronized void finish() {
        if (!finished) {
            finished = true;
            if (launcher) {
                emit(STATE_PREFIX + world.rank() + " finished");
            }
        }
    }

    private void watch() {
        while (!finished) {
            try {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(periodNanos));
            } catch (InterruptedException e) {
                return;
            }
            try {
                look();
            } catch (RuntimeException | OutOfMemoryError e) {
                // a diagnostic must never fail the rank; look again next time
            }
        }
    }

    private synchronized void look() {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        boolean changed = false;
        List<Activity> in = new ArrayList<>();
        for (Activity a : Activity.ALL) {
            if (!a.thread.isAlive()) {
                Activity.ALL.remove(a);
                continue;
            }
            long w = a.work();
            if ((w & 1) != 0 || w != a.seenWork) {
                changed = true; // it works (or worked since the last look) inside a jpar call: computing
                a.seenWork = w;
            }
            long s = a.seq();
            if (s != a.seenSeq) {
                changed = true;
                a.seenSeq = s;
                a.seenAtNanos = now;
            }
            if (Activity.in(s)) {
                in.add(a);
            }
        }
        boolean busy = othersBusy(in);
        if (changed || in.isEmpty() || busy) {
            lastProgressNanos = now;
            if (stalled) {
                stalled = false;
                reported = false;
                if (launcher) {
                    emit(STATE_PREFIX + world.rank() + " running");
                }
            }
            return;
        }
        long quiet = now - lastProgressNanos;
        if (quiet < periodNanos / 2) {
            return;
        }
        stalled = true;
        TreeSet<String> peers = new TreeSet<>();
        StringBuilder what = new StringBuilder();
        for (Activity a : in) {
            String op = a.op == null ? "" : a.op;
            if (a.peer >= -1 && !Activity.isCollective(op)) {
                // the launcher draws an edge to the peer only if the peer does not wait in the matching call itself
                peers.add((op.startsWith("send") || op.equals("wait for isend") ? "s" : "r") + a.peer + ":" + a.tag
                        + ":" + a.comm);
            }
            what.append(what.length() == 0 ? "" : "; ").append("thread '").append(a.thread.getName())
                    .append("' waits in ").append(a.describe()).append(" for ")
                    .append(TimeUnit.NANOSECONDS.toSeconds(now - a.seenAtNanos)).append(" s");
        }
        if (launcher) {
            StringBuilder p = new StringBuilder();
            peers.forEach(x -> p.append(p.length() == 0 ? "" : ",").append(x));
            // the launcher times the stall itself; a new line only when what the rank waits in changes
            String line = STATE_PREFIX + world.rank() + " stalled " + TimeUnit.NANOSECONDS.toMillis(quiet) + " "
                    + (p.length() == 0 ? "-" : p) + " " + what.toString().replaceAll(" for \\d+ s", "");
            String key = line.replaceFirst(" stalled \\d+ ", " stalled ");
            if (!key.equals(lastLine)) {
                lastLine = key;
                emit(line);
            }
        } else if (quiet >= timeoutNanos && !reported) {
            reported = true;
            emit("jpar: rank " + world.rank() + " of " + world.size() + " has made no progress for "
                    + TimeUnit.NANOSECONDS.toSeconds(quiet) + " s (-D" + TIMEOUT_PROPERTY + "): " + what
                    + (abort ? "; aborting the job (-D" + ABORT_PROPERTY + "=true)" : ""));
            if (abort) {
                world.abort(1);
            }
        }
    }

    private boolean sampled;

    /**
     * @return true if the threads not blocked in jpar used more than 2% of a core since the last look (a thread
     *         started since then counts with all its CPU time)
     */
    private boolean othersBusy(List<Activity> in) {
        java.util.Set<Long> skip = new java.util.HashSet<>();
        for (Activity a : in) {
            skip.add(a.thread.getId());
        }
        skip.add(Thread.currentThread().getId());
        if (othersWaitTimed(skip)) {
            return true;
        }
        if (!mx.isThreadCpuTimeSupported() || !mx.isThreadCpuTimeEnabled()) {
            return false;
        }
        long busy = 0;
        Map<Long, Long> now = new HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            long cpu = mx.getThreadCpuTime(id);
            if (cpu < 0) {
                continue;
            }
            now.put(id, cpu);
            Long before = cpuSeen.get(id);
            if (!skip.contains(id)) {
                busy += cpu - (before == null ? (sampled ? 0 : cpu) : before);
            }
        }
        sampled = true;
        cpuSeen.clear();
        cpuSeen.putAll(now);
        return busy > periodNanos / 50;
    }

    /**
     * @return true if a thread of the program outside jpar (not a daemon: the JVM's and jpar's own threads are) sleeps
     *         or waits with a timeout ({@code Thread.sleep}, a timed {@code wait}, {@code join} or park), or is
     *         runnable without computing (blocked in I/O: a file, a socket, a process): it will go on by itself, so
     *         the rank may send again, and the threads waiting in jpar are not hung. Threads waiting without a timeout
     *         (for a lock, a join, a condition) do not count: only another thread can wake them; nor do the MPI
     *         library's own threads (MPJ Express's device threads poll their sockets).
     */
    private boolean othersWaitTimed(java.util.Set<Long> skip) {
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds(), Integer.MAX_VALUE)) {
            if (t == null || t.isDaemon() || skip.contains(t.getThreadId())
                    || t.getThreadName().equals("DestroyJavaVM")) {
                continue;
            }
            Thread.State st = t.getThreadState();
            if ((st == Thread.State.TIMED_WAITING || st == Thread.State.RUNNABLE) && !isLibraryThread(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLibraryThread(java.lang.management.ThreadInfo t) {
        for (StackTraceElement f : t.getStackTrace()) {
            String c = f.getClassName();
            if (c.startsWith("mpi.") || c.startsWith("mpjdev.") || c.startsWith("xdev.") || c.startsWith("mpjbuf.")) {
                return true;
            }
        }
        return false;
    }

    private void emit(String line) {
        err.println(line);
        err.flush();
    }
}
