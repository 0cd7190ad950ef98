package org.jpar.engine.threads;

/** Something a thread parks for: a receive to be matched, or a large send to be taken. For the deadlock watchdog. */
interface Waiting {
    /** @return true once the wait is over; called only by the waiting thread (it may take a message) */
    boolean done();

    /**
     * The deadlock watchdog's question, asked from its own thread: could this wait end without another rank acting
     * (it is over, or something arrived that the waiting thread has not looked at yet)? Must have no side effect:
     * a wait's own thread may be in {@link #done()} at the same time.
     */
    default boolean mayEnd() {
        return done();
    }

    /** Called before {@code t} parks for this wait, so whoever ends the wait unparks {@code t}. */
    void parking(Thread t);

    /** @return the rank this wait needs to act (a receive's source, a send's destination), or -1 for any rank */
    default int peer() {
        return -1;
    }

    /** @return what the thread waits for, e.g. {@code receive(source=1, tag=0)} */
    String describe();

    static String tag(int tag) {
        if (tag == ThreadsTransport.ANY_TAG) {
            return "ANY_TAG";
        }
        return tag < 0 ? "internal " + tag + " (a collective)" : Integer.toString(tag);
    }
}
