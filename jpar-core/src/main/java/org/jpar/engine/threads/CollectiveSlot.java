package org.jpar.engine.threads;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.jpar.JparException;

/**
 * The meeting point of one group's collectives on the embedded engine, one object shared by the group's ranks
 * (threads of one JVM). A collective is a <em>round</em>: every rank publishes what it brings in its {@link Member}
 * and counts itself in; the last to arrive (the <em>combiner</em>) checks that every rank called the same collective
 * alike, does the round's shared work ({@link Round#combine}), and completes the round; the others wait (spin, then
 * park) and are woken along a tree rooted at the combiner (each woken rank wakes {@link #FANOUT} more), so no rank
 * wakes more than a few. Rounds of one group follow each other: a rank starts round r + 1 only after round r completed,
 * and round r + 1 completes only once every rank has arrived in it, so everything of round r is read by then. What a
 * rank stages for others to read after completion goes into its {@link Member#stage} of the round's parity.
 */
final class CollectiveSlot {
    /** How many ranks a woken rank wakes. */
    static final int FANOUT = org.jpar.internal.Settings.COLLECTIVE_FANOUT.getInt(4);

    /** Slots by id, while a rank's collectives hold the id (the same String object at every rank of the group). */
    private static final Map<String, CollectiveSlot> SLOTS = new WeakHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();

    /** The work of one round, given by every rank; the combiner's is run. */
    interface Round {
        /**
         * Runs in the last rank to arrive, while every other rank waits: may read every member's fields.
         *
         * @return null, or the error every rank of the group then throws
         */
        String combine(CollectiveSlot slot, long round);
    }

    /** What one rank brings to a round, and how to wake it. */
    static final class Member {
        volatile Thread thread;
        volatile boolean parked;
        /** Rounds this rank has arrived in (written at arrival, before it counts itself in). */
        volatile long arrivedIn;
        /** Rounds this rank has finished (its own only). */
        long rounds;
        /** How long this rank spins before it parks, adapted to how spins went (its own only). */
        long spinNanos;
        /** Waits that did not spin (its own only). */
        int unspun;
        String kind;
        int root;
        Object op;
        Object send;
        Object recv;
        int[] counts;
        /** Data staged for readers after completion, by round parity. */
        final Object[] stage = new Object[2];
    }

    final int size;
    final Member[] members;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile long completed;
    /** The combiner of the last completed round, its error (or null) and result: written before {@link #completed}. */
    private int combiner;
    private String error;
    Object result;
    /** A buffer the combiner may reuse from round to round (every reader of the previous round has arrived). */
    Object scratch;

    private CollectiveSlot(int size) {
        this.size = size;
        this.members = new Member[size];
        for (int i = 0; i < size; i++) {
            members[i] = new Member();
        }
    }

    /** Makes a slot for a group of {@code size} ranks. @return its id, for {@link #of} at every rank of the group */
    static String register(int size) {
        String id = "collectives-" + IDS.incrementAndGet();
        synchronized (SLOTS) {
            SLOTS.put(id, new CollectiveSlot(size));
        }
        return id;
    }

    /** @return the slot {@link #register} made under {@code id} */
    static CollectiveSlot of(String id) {
        synchronized (SLOTS) {
            return SLOTS.get(id);
        }
    }

    /** @return the parity of the round rank {@code rank} is about to start (for {@link Member#stage}) */
    int nextParity(int rank) {
        return (int) (members[rank].rounds & 1);
    }

    /**
     * Takes part in one round: the caller has filled its {@link Member} (kind, root, op, send, recv, counts, stage).
     * Returns when every rank has arrived and the combiner is done.
     *
     * @param c     the calling rank's collectives (for waiting: its job, mailbox, watchdog entry)
     * @param rank  the caller's rank in the group
     * @param round what to do when the caller is the last to arrive
     * @return the round's number (its parity picks the stage readers read)
     * @throws JparException the round's error (at every rank alike), or the job's abort
     */
    long meet(ThreadsCollectives c, int rank, Round round) {
        Member m = members[rank];
        long r = m.rounds;
        m.thread = Thread.currentThread();
        m.arrivedIn = r + 1;
        c.progress();
        if (arrived.incrementAndGet() == size) {
            arrived.set(0);
            String err;
            Object before = scratch;
            result = null;
            try {
                err = checkSameCall();
                if (err == null) {
                    err = round.combine(this, r);
                }
            } catch (RuntimeException | Error e) {
                err = m.kind + ": " + e;
            }
            if (scratch == before && result != before && large(before)) {
                scratch = null; // a large buffer this round did not use is not kept for later
            }
            error = err;
            combiner = rank;
            completed = r + 1;
        } else if (completed < r + 1) {
            c.await(this, r + 1, m);
        }
        wakeChildren(rank);
        m.rounds = r + 1;
        int previous = (int) ((r + 1) & 1);
        Object old = m.stage[previous];
        if (old != null && (large(old) || !org.jpar.internal.PrimitiveArrays.isPrimitiveArray(old))) {
            // every reader of the previous round has arrived in this one: only small arrays are kept, for reuse
            m.stage[previous] = null;
        }
        String err = error; // the next round's combiner writes it only after this rank arrives there
        if (err != null) {
            throw new JparException(err);
        }
        return r;
    }

    /** Staged or scratch arrays up to this size are kept for reuse by the next rounds; larger ones are let go. */
    static final long KEEP_BYTES = 4L << 20;

    private static boolean large(Object a) {
        return a != null && org.jpar.internal.PrimitiveArrays.isPrimitiveArray(a)
                && org.jpar.internal.PrimitiveArrays.bytes(a) > KEEP_BYTES;
    }

    /** @return true once round {@code target - 1} (counting from 0) has completed */
    boolean completed(long target) {
        return completed >= target;
    }

    /** Wakes this rank's children in the tree rooted at the round's combiner (read after completion). */
    private void wakeChildren(int rank) {
        int n = size;
        int c = combiner;
        long rel = (rank - c + n) % n;
        for (int k = 1; k <= FANOUT; k++) {
            long child = rel * FANOUT + k;
            if (child >= n) {
                break;
            }
            Member cm = members[(int) ((child + c) % n)];
            if (cm.parked) {
                LockSupport.unpark(cm.thread);
            }
        }
    }

    /** @return null if every rank called the same kind of collective with the same root, else the error */
    private String checkSameCall() {
        Member first = members[0];
        for (int i = 1; i < size; i++) {
            Member x = members[i];
            if (!first.kind.equals(x.kind)) {
                return "collective mismatch: rank 0 called " + first.kind + " but rank " + i + " called " + x.kind
                        + " (a group of " + size + " ranks): every rank must call the same collectives in the same"
                        + " order";
            }
            if (first.root != x.root) {
                return first.kind + ": rank 0 gave root " + first.root + " but rank " + i + " gave root " + x.root
                        + ": every rank must give the same root";
            }
            if (first.op != x.op) {
                return first.kind + ": rank 0 gave " + describeOp(first.op) + " but rank " + i + " gave "
                        + describeOp(x.op) + ": every rank must give the same operator";
            }
        }
        return null;
    }

    private static String describeOp(Object op) {
        return op instanceof Enum<?> e ? "Op." + e.name() : String.valueOf(op);
    }

    /**
     * For the deadlock report: {@code "allreduce (arrays) on the world communicator (rank 0 of 6 there), waiting for
     * ranks 3, 5"}.
     */
    String describe(String communicator, int rank, long target) {
        StringBuilder sb = new StringBuilder(String.valueOf(members[rank].kind)).append(" on ").append(communicator)
                .append(" (rank ").append(rank).append(" of ").append(size).append(" there), waiting for ranks ");
        int shown = 0;
        int missing = 0;
        for (int i = 0; i < size; i++) {
            if (members[i].arrivedIn < target) {
                missing++;
                if (shown < 10) {
                    sb.append(shown == 0 ? "" : ", ").append(i);
                    shown++;
                }
            }
        }
        if (missing > shown) {
            sb.append(", ... (").append(missing).append(" ranks)");
        }
        if (missing == 0) {
            sb.append("(none: the round is completing)");
        }
        return sb.toString();
    }
}
