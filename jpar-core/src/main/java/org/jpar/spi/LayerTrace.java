package org.jpar.spi;

import org.jpar.internal.diag.Diagnostics;

/**
 * The timeline for a layer built on jpar (see {@link LayerChannel}): a layer records its own units of work, e.g. the
 * tasks a {@code Pool} or {@code JobServer} worker runs, as spans on the calling thread's track of the trace that
 * {@code jpar run --trace FILE} (or {@code -Djpar.trace=FILE}) writes. When no trace is recorded both calls cost a
 * field read. Neither call blocks.
 */
public final class LayerTrace {
    private LayerTrace() {
    }

    /** @return true when the timeline is recorded (then a layer times its work; otherwise it need not read the clock) */
    public static boolean tracing() {
        return Diagnostics.tracing();
    }

    /**
     * Records a span of the calling thread, from {@code startNanos} to now.
     *
     * @param rank       the world rank the calling thread belongs to
     * @param name       what ran, e.g. {@code task (3 jobs)}
     * @param startNanos its start, from {@link System#nanoTime()}
     */
    public static void span(int rank, String name, long startNanos) {
        Diagnostics.span(rank, name, startNanos);
    }
}
