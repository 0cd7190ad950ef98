package org.jpar.engine.threads;

import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

/**
 * One rank's incoming messages. Senders only append to a lock-free queue (JCTools' atomic MPSC queue, which needs
 * no {@code sun.misc.Unsafe}, which JDK 24+ warns about; its one consumer at a time is whoever holds the lock below,
 * and any thread may ask it {@code isEmpty}/{@code size}, which only compare indices); the receiving rank's own threads move them, in arrival order, to the earliest posted receive that
 * wants them or to the unexpected list (both under its lock; a sender waiting for its large message to be taken sorts
 * too, so a posted receive takes it while the receiver is busy elsewhere). Both lists are FIFO,
 * which gives MPI's ordering: a message matches the earliest posted receive that wants it, and a receive takes the
 * earliest message it wants.
 *
 * <p>What the receiver writes on every arrival (its lock, its counter) lives in padded objects, away from the cache
 * lines senders read, so a sender does not wait for the receiver's last write to travel back.
 */
final class Mailbox {
    // read by senders
    private final MpscUnboundedAtomicArrayQueue<Msg> incoming = new MpscUnboundedAtomicArrayQueue<>(64);
    private final AtomicInteger sleeping = new AtomicInteger();
    private final Set<Thread> sleepers = ConcurrentHashMap.newKeySet();
    // the receiving rank's: a padded lock object, and a count of sorts that added unexpected messages (so a
    // receiver that did not post sees them)
    private final PaddedCounter lock = new PaddedCounter();
    private final PaddedCounter sortedToUnexpected = new PaddedCounter();
    // guarded by lock
    private final ArrayDeque<Msg> unexpected = new ArrayDeque<>(4);
    private final ArrayDeque<Pending> posted = new ArrayDeque<>(2);

    /** Called by senders: queue {@code m} and wake the receiving rank's parked threads, if any. */
    void deliver(Msg m) {
        incoming.offer(m);
        if (sleeping.get() > 0) {
            wakeAll();
        }
    }

    /** @return true if senders delivered something not yet sorted (reads the queue's head, not its tail) */
    boolean hasIncoming() {
        return !incoming.isEmpty();
    }

    /** @return how many sorts added unexpected messages so far */
    long sortedToUnexpected() {
        return sortedToUnexpected.get();
    }

    /** Sorts what arrived (if {@code sortFirst}), then takes the earliest unexpected message wanted, or null. */
    Msg take(int source, int tag, boolean sortFirst) {
        synchronized (lock) {
            if (sortFirst) {
                sort();
            }
            return take(source, tag);
        }
    }

    /**
     * Sorts what arrived, then returns the earliest unexpected message from {@code source} with {@code tag} without
     * taking it (a probe), or null. The next receive for its source and tag takes that message, since both lists keep
     * arrival order.
     */
    Msg peek(int source, int tag) {
        synchronized (lock) {
            sort();
            for (Msg m : unexpected) {
                if (m.matches(source, tag)) {
                    return m;
                }
            }
            return null;
        }
    }

    /**
     * Sorts what arrived, then takes the earliest message that {@code p} wants; if none, posts {@code p} so a later
     * arrival completes it. @return the message, or null
     */
    Msg takeOrPost(Pending p) {
        synchronized (lock) {
            sort();
            Msg m = take(p.source, p.tag);
            if (m == null) {
                posted.addLast(p);
            }
            return m;
        }
    }

    /**
     * Sorts what arrived: hands messages to posted receives or keeps them as unexpected. Called while waiting, also
     * by senders: after a fence, it wakes the receiving rank's threads that parked meanwhile for the new unexpected
     * messages (the count's lazy store alone could pass their announcement that they sleep).
     */
    void progress() {
        boolean added;
        synchronized (lock) {
            added = sort();
        }
        if (added) {
            VarHandle.fullFence();
            if (sleeping.get() > 0) {
                wakeAll();
            }
        }
    }

    /** @return true if {@code p} was still posted and is now withdrawn */
    boolean withdraw(Pending p) {
        synchronized (lock) {
            return posted.remove(p);
        }
    }

    /**
     * Parks the calling thread until {@link #wakeAll()} or an unpark, unless {@code w} is already done or (for a
     * receiver, {@code forIncoming}) something already arrived. Senders of large messages park here too, so an
     * aborted job wakes them.
     */
    void park(Waiting w, boolean forIncoming) {
        park(w, forIncoming, 0);
    }

    /** {@link #park(Waiting, boolean)} for at most {@code maxNanos} (0: no limit). */
    void park(Waiting w, boolean forIncoming, long maxNanos) {
        Thread me = Thread.currentThread();
        sleepers.add(me);
        sleeping.incrementAndGet();
        try {
            // isEmpty reads the queue's links (volatile), which senders set with a CAS before they look at
            // 'sleeping': so either they see this thread sleeping, or it sees their message
            if (!w.done() && !(forIncoming && !incoming.isEmpty())) {
                if (maxNanos > 0) {
                    LockSupport.parkNanos(w, maxNanos);
                } else {
                    LockSupport.park(w);
                }
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

    /**
     * For the deadlock report: the messages that arrived and no receive took (source and tag of the first few), and
     * the posted nonblocking receives that no message completed yet. @return empty if there are none
     */
    String describeUnreceived() {
        synchronized (lock) {
            StringBuilder sb = new StringBuilder();
            int n = unexpected.size() + incoming.size();
            if (n > 0) {
                sb.append("; ").append(n).append(" message").append(n == 1 ? "" : "s")
                        .append(" arrived that no receive took");
                int shown = 0;
                for (Msg m : unexpected) {
                    sb.append(shown == 0 ? ": " : ", ").append("from rank ").append(m.source).append(" with tag ")
                            .append(Waiting.tag(m.tag));
                    if (++shown == 3) {
                        break;
                    }
                }
                if (shown < n) {
                    sb.append(shown == 0 ? "" : ", ...");
                }
            }
            if (!posted.isEmpty()) {
                sb.append("; posted and not yet matched: ");
                int shown = 0;
                for (Pending p : posted) {
                    sb.append(shown == 0 ? "i" : ", i").append(p.describe());
                    if (++shown == 3 && posted.size() > 3) {
                        sb.append(", ...");
                        break;
                    }
                }
            }
            return sb.toString();
        }
    }

    /**
     * Strict mode, at the end of a job: the messages with user tags that arrived and no receive took, and the user
     * receives posted and never matched. @return one line per item (empty if none)
     */
    java.util.List<String> leftovers() {
        progress();
        synchronized (lock) {
            java.util.List<String> out = new java.util.ArrayList<>();
            for (Msg m : unexpected) {
                if (m.tag >= 0) {
                    out.add("a message " + m.describeUnreceived() + " that no receive took");
                }
            }
            for (Pending p : posted) {
                if (p.tag >= 0 || p.tag == ThreadsTransport.ANY_TAG) {
                    out.add("i" + p.describe() + ", posted and never matched by a message");
                }
            }
            return out;
        }
    }

    /** @return true if it added unexpected messages */
    private boolean sort() {
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
            sortedToUnexpected.incrementOrdered(); // only ever written under the lock
            if (sleeping.get() > 0) {
                wakeAll(); // another thread of this rank may wait for one of them
            }
        }
        return added;
    }

    private Msg take(int source, int tag) {
        if (unexpected.isEmpty()) {
            return null;
        }
        for (Iterator<Msg> it = unexpected.iterator(); it.hasNext(); ) {
            Msg m = it.next();
            if (m.matches(source, tag)) {
                it.remove();
                m.matched();
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
