package org.jpar.engine.threads;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * One rank's incoming messages. Senders only append to a lock-free multi-producer queue (JCTools, padded against
 * false sharing); the receiving rank's own threads move
 * them, in arrival order, to the earliest posted receive that wants them or to the unexpected list (both private to
 * the receiving rank, under its lock). Both lists are FIFO, which gives MPI's ordering: a message matches the
 * earliest posted receive that wants it, and a receive takes the earliest message it wants.
 */
final class Mailbox {
    private final MpscUnboundedXaddArrayQueue<Msg> incoming = new MpscUnboundedXaddArrayQueue<>(64);
    private final AtomicInteger sleeping = new AtomicInteger();
    /** Counts messages sorted into {@code unexpected}, so a receiver that did not post sees them. */
    private volatile long sortedToUnexpected;
    private final Set<Thread> sleepers = ConcurrentHashMap.newKeySet();
    // guarded by this: touched only by the receiving rank's threads
    private final ArrayDeque<Msg> unexpected = new ArrayDeque<>(4);
    private final ArrayDeque<Pending> posted = new ArrayDeque<>(2);

    /** Called by senders: queue {@code m} and wake the receiving rank's parked threads, if any. */
    void deliver(Msg m) {
        incoming.offer(m);
        if (sleeping.get() > 0) {
            wakeAll();
        }
    }

    /** @return true if senders delivered something not yet sorted (reads only the next slot, not the producers') */
    boolean hasIncoming() {
        return incoming.relaxedPeek() != null;
    }

    /** @return how many messages were ever sorted into the unexpected list */
    long sortedToUnexpected() {
        return sortedToUnexpected;
    }

    /** Sorts what arrived, then takes the earliest unexpected message from {@code source} with {@code tag}, or null. */
    synchronized Msg take(int source, int tag, boolean sortFirst) {
        if (sortFirst) {
            sort();
        }
        return take(source, tag);
    }

    /**
     * Sorts what arrived, then takes the earliest message that {@code p} wants; if none, posts {@code p} (when
     * {@code post}) so a later arrival completes it. @return the message, or null
     */
    synchronized Msg takeOrPost(Pending p, boolean post) {
        sort();
        Msg m = take(p.source, p.tag);
        if (m == null && post) {
            posted.addLast(p);
        }
        return m;
    }

    /** Sorts what arrived: hands messages to posted receives or keeps them as unexpected. */
    synchronized void progress() {
        sort();
    }

    /** @return true if {@code p} was still posted and is now withdrawn */
    synchronized boolean withdraw(Pending p) {
        return posted.remove(p);
    }

    /**
     * Parks the calling thread until {@link #wakeAll()} or an unpark, unless {@code w} is already done or (for a
     * receiver, {@code forIncoming}) something already arrived. Senders of large messages park here too, so an
     * aborted job wakes them.
     */
    void park(Waiting w, boolean forIncoming) {
        Thread me = Thread.currentThread();
        sleepers.add(me);
        sleeping.incrementAndGet();
        try {
            // isEmpty reads the producers' index, which senders advance (a full fence) before they look at
            // 'sleeping': so either they see this thread sleeping, or it sees their message
            if (!w.done() && !(forIncoming && !incoming.isEmpty())) {
                LockSupport.park(w);
            }
        } finally {
            sleeping.decrementAndGet();
            sleepers.remove(me);
        }
    }

    /** Wakes every parked thread of the receiving rank. */
    void wakeAll() {
        for (Thread t : sleepers) {
            LockSupport.unpark(t);
        }
    }

    synchronized int unexpectedCount() {
        return unexpected.size() + incoming.size();
    }

    private void sort() {
        Msg m;
        boolean added = false;
        while ((m = incoming.poll()) != null) {
            Pending p = match(m);
            if (p != null) {
                p.complete(m);
            } else {
                unexpected.addLast(m);
                added = true;
            }
        }
        if (added) {
            sortedToUnexpected++;
            if (sleeping.get() > 0) {
                wakeAll(); // another thread of this rank may wait for one of them
            }
        }
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

    private Pending match(Msg m) {
        if (posted.isEmpty()) {
            return null;
        }
        for (Iterator<Pending> it = posted.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (m.matches(p.source, p.tag)) {
                it.remove();
                return p;
            }
        }
        return null;
    }
}
