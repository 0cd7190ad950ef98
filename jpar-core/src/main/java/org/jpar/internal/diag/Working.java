package org.jpar.internal.diag;

/**
 * Marks where a thread inside a jpar call works for its user rather than waits: encoding or decoding a message, or
 * running the user's operator of a reduction. The hang watch counts such a thread as computing even though it is in
 * a jpar call, while the CPU a thread spends polling in a blocked call (Open MPI's progress loop, a spinning wait) is
 * not computing. Costs one read of a static field when no hang watch runs (the embedded engine, or the watch off);
 * with a watch, a thread-local lookup and two ordered stores per phase.
 *
 * <pre>{@code
 * boolean w = Working.begin();
 * try { ... } finally { Working.end(w); }
 * }</pre>
 */
public final class Working {
    /** Set once the process's hang watch starts. */
    static volatile boolean on;

    private Working() {
    }

    /** @return true if the calling thread's work phase was marked (pass it to {@link #end}) */
    public static boolean begin() {
        if (!on) {
            return false;
        }
        Activity.current().beginWork();
        return true;
    }

    /** Ends the phase {@link #begin} marked, when {@code began}. */
    public static void end(boolean began) {
        if (began) {
            Activity.current().endWork();
        }
    }
}
