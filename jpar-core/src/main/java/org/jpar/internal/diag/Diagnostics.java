package org.jpar.internal.diag;

import java.io.IOException;
import java.nio.file.Path;

import org.jpar.spi.Transport;

/**
 * Where the diagnostics are switched on: {@link #wrap} puts an {@link ObservedTransport} around an engine's transport
 * when the timeline ({@value #TRACE_PROPERTY}) or the hang watch ({@value HangWatch#TIMEOUT_PROPERTY}, MPI engines)
 * is on, and returns the transport itself otherwise (so nothing changes on the engines' paths).
 *
 * <p>{@code -Djpar.trace=FILE}: every process records its ranks' operations and writes them, when it ends, to
 * {@code FILE.part-PID} ({@code jpar run --trace FILE} merges the parts into {@code FILE}; after a plain
 * {@code mpirun}, {@code jpar trace FILE} does).
 */
public final class Diagnostics {
    /** System property naming the trace file (parts are written next to it). */
    public static final String TRACE_PROPERTY = "jpar.trace";

    private static final Object LOCK = new Object();
    private static volatile Tracer tracer;
    private static volatile boolean settingsRead;
    private static long hangTimeoutNanos;

    private Diagnostics() {
    }

    /**
     * @param t an engine's world transport (or one made from it)
     * @return {@code t}, or {@code t} observed when a diagnostic is on
     */
    public static Transport wrap(Transport t) {
        if (t instanceof ObservedTransport) {
            return t;
        }
        readSettings();
        Tracer tr = tracer;
        boolean watch = hangTimeoutNanos > 0 && !t.engineName().equals("threads");
        if (tr == null && !watch) {
            return t;
        }
        if (tr != null) {
            tr.describeProcess(t.engineName(), t.processorName());
        }
        if (watch) {
            HangWatch.start(t, hangTimeoutNanos);
        }
        return new ObservedTransport(t, tr, watch, t.rank(), 0);
    }

    /** @throws org.jpar.JparException if {@code -Djpar.hang.timeout} is not a number of seconds, 0 or above */
    public static void checkHangTimeout() {
        HangWatch.configuredTimeoutNanos();
    }

    private static void readSettings() {
        if (settingsRead) {
            return;
        }
        synchronized (LOCK) {
            if (settingsRead) {
                return;
            }
            hangTimeoutNanos = HangWatch.configuredTimeoutNanos();
            String file = System.getProperty(TRACE_PROPERTY);
            if (file != null && !file.isBlank()) {
                Tracer tr = new Tracer();
                Path part = partOf(Path.of(file), ProcessHandle.current().pid());
                ownPart = part;
                tracer = tr;
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> writeQuietly(tr, part), "jpar-trace-write"));
                } catch (IllegalStateException e) {
                    // exiting already
                }
            }
            settingsRead = true;
        }
    }

    /** @return the part file process {@code pid} writes for the trace {@code file} */
    public static Path partOf(Path file, long pid) {
        return file.resolveSibling(file.getFileName() + ".part-" + pid);
    }

    /** @return this process's tracer, or null when tracing is off */
    public static Tracer tracer() {
        readSettings();
        return tracer;
    }

    /**
     * Writes this process's part now (the launcher does, for the embedded engine, before it merges), instead of at
     * exit. @return the part's path, or null when tracing is off
     */
    public static Path writePartNow() throws IOException {
        Tracer tr = tracer();
        if (tr == null) {
            return null;
        }
        Path part = ownPart;
        synchronized (tr) {
            tr.writePart(part);
            written = true;
        }
        return part;
    }

    /**
     * Writes this process's part now, if tracing is on, for a rank about to halt (failed, aborted, or stopped by its
     * launcher): a halt runs no shutdown hook, and the timeline of a failed job is the one most wanted. Never throws.
     */
    public static void writePartBeforeHalt() {
        Tracer tr = tracer;
        if (tr == null) {
            return;
        }
        writeQuietly(tr, ownPart);
    }

    private static volatile boolean written;
    /** This process's part file, set (before {@link #tracer}) when tracing is on. */
    private static volatile Path ownPart;

    private static void writeQuietly(Tracer tr, Path part) {
        synchronized (tr) {
            if (written) {
                return;
            }
            try {
                tr.writePart(part);
                written = true;
            } catch (Throwable e) { // a diagnostic never fails the rank (at exit, not even a missing class)
                System.err.println("jpar: cannot write the trace part " + part + ": " + e);
            }
        }
    }

    /**
     * Records a span of the calling thread in the timeline, for the job layer (a task a worker runs).
     *
     * @param rank  the world rank the thread belongs to
     * @param name  e.g. {@code task 7}
     * @param start its start, {@code System.nanoTime()}
     */
    public static void span(int rank, String name, long start) {
        Tracer tr = tracer;
        if (tr != null) {
            tr.record(rank, name, start, System.nanoTime(), -1, 0, -1, -1, 0);
        }
    }

    /** @return true when the timeline is recorded (then the job layer times its tasks) */
    public static boolean tracing() {
        readSettings();
        return tracer != null;
    }
}
