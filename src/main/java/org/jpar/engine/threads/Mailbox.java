package org.jpar.engine.threads;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * One rank's incoming messages: those nobody asked for yet, and the receives posted before their message came.
 * Both queues are FIFO, which gives MPI's ordering: a message matches the earliest posted receive that wants it,
 * and a receive takes the earliest message it wants.
 */
final class Mailbox {
    private final ArrayDeque<Msg> unexpected = new ArrayDeque<>(4);
    private final ArrayDeque<Pending> posted = new ArrayDeque<>(2);

    /** @return the earliest unexpected message matching {@code p}, removed; or null after posting {@code p} */
    synchronized Msg takeOrPost(Pending p) {
        Msg m = take(p.source, p.tag);
        if (m == null) {
            posted.addLast(p);
        }
        return m;
    }

    /** @return the earliest unexpected message matching, removed, or null */
    synchronized Msg poll(int source, int tag) {
        return take(source, tag);
    }

    /** @return the earliest unexpected message matching, left in place, or null */
    synchronized Msg peek(int source, int tag) {
        for (Msg m : unexpected) {
            if (m.matches(source, tag)) {
                return m;
            }
        }
        return null;
    }

    /** @return the earliest posted receive that wants a message with this envelope, removed, or null */
    synchronized Pending matchPosted(int source, int tag) {
        return match(source, tag);
    }

    /** @return the earliest posted receive that wants {@code m}, removed; or null after queueing {@code m} */
    synchronized Pending matchOrEnqueue(Msg m) {
        Pending p = match(m.source, m.tag);
        if (p == null) {
            unexpected.addLast(m);
        }
        return p;
    }

    /** @return true if {@code p} was still posted and is now withdrawn */
    synchronized boolean withdraw(Pending p) {
        return posted.remove(p);
    }

    /** Wakes every waiter, so it can see that the job was aborted. */
    synchronized void wakeAll() {
        for (Pending p : posted) {
            Thread t = p.waiter;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
        }
    }

    /** @return a description of the posted receives, for deadlock reports */
    synchronized String describePosted() {
        StringBuilder sb = new StringBuilder();
        for (Pending p : posted) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append("receive(source=").append(p.source == ThreadsTransport.ANY_SOURCE ? "ANY_SOURCE" : p.source)
                    .append(", tag=").append(describeTag(p.tag)).append(')');
        }
        return sb.toString();
    }

    synchronized int unexpectedCount() {
        return unexpected.size();
    }

    private static String describeTag(int tag) {
        if (tag == ThreadsTransport.ANY_TAG) {
            return "ANY_TAG";
        }
        return tag < 0 ? "internal " + tag + " (a collective)" : Integer.toString(tag);
    }

    private Msg take(int source, int tag) {
        if (unexpected.isEmpty()) {
            return null;
        }
        for (Iterator<Msg> it = unexpected.iterator(); it.hasNext(); ) {
            Msg m = it.next();
            if (m.matches(source, tag)) {
                it.remove();
                return m;
            }
        }
        return null;
    }

    private Pending match(int source, int tag) {
        if (posted.isEmpty()) {
            return null;
        }
        for (Iterator<Pending> it = posted.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if ((p.source == ThreadsTransport.ANY_SOURCE || p.source == source)
                    && (p.tag == ThreadsTransport.ANY_TAG ? tag >= 0 : p.tag == tag)) {
                it.remove();
                return p;
            }
        }
        return null;
    }
}
