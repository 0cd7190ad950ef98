package org.jpar.internal.diag;

/**
 * Marks a thread that waits in a jpar call made of tests and pauses rather than of one blocking call
 * ({@link org.jpar.Request#waitAny}): the hang watch then counts it as blocked there, as a thread inside a blocking
 * receive, instead of as a thread that computes (its tests use CPU). Costs one read of a static field when no hang
 * watch runs.
 *
 * <pre>{@code
 * boolean w = Waiting.begin("Request.waitAny");
 * try { ... } finally { Waiting.end(w); }
 * }</pre>
 */
public final class Waiting {
    private Waiting() {
    }

    /**
     * @param op what the thread waits in, as the hang report names it, e.g. {@code Request.waitAny}
     * @return true if the wait was marked (pass it to {@link #end})
     */
    public static boolean begin(String op) {
        if (!Working.on) {
            return false;
        }
        Activity.current().begin(op, -1, 0, null);
        return true;
    }

    /** Ends the wait {@link #begin} marked, when {@code began}. */
    public static void end(boolean began) {
        if (began) {
            Activity.current().end();
        }
    }
}
