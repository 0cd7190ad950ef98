package org.jpar.engine.threads;

/** Something a thread parks for: a receive to be matched, or a large send to be taken. For the deadlock watchdog. */
interface Waiting {
    /** @return true once the wait is over */
    boolean done();

    /** Called before {@code t} parks for this wait, so whoever ends the wait unparks {@code t}. */
    void parking(Thread t);

    /** @return what the thread waits for, e.g. {@code receive(source=1, tag=0)} */
    String describe();

    static String tag(int tag) {
        if (tag == ThreadsTransport.ANY_TAG) {
            return "ANY_TAG";
        }
        return tag < 0 ? "internal " + tag + " (a collective)" : Integer.toString(tag);
    }
}
