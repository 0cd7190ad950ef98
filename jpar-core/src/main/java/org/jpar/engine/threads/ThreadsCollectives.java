package org.jpar.engine.threads;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.function.BinaryOperator;

import org.jpar.Op;
import org.jpar.internal.ArrayOps;
import org.jpar.spi.PointToPointCollectives;

/**
 * The embedded engine's collectives, built for shared memory: every collective is one round of the group's
 * {@link CollectiveSlot} (each rank publishes its arguments, the last to arrive combines and wakes the others along a
 * tree). No array is serialized and receivers copy only what they keep:
 * <ul>
 *   <li>array reductions (reduce, allreduce, scan, exscan, reduceScatter): the last rank combines every rank's input in
 *       rank order into a buffer of the group, which each rank copies into its {@code recv} (scans: the combiner writes
 *       every rank's prefix);</li>
 *   <li>broadcastInto and broadcast: a loose round ({@link CollectiveSlot#meetLoose}): receivers wait for the root
 *       only, not for each other; the root stages (copies) up to 64 KiB and leaves at once, running ahead of its
 *       slowest receiver (by up to 127 broadcasts of up to 4 KiB, 7 of more) as an eager MPI broadcast does, and
 *       lends a larger array (receivers copy straight from it) and waits until every receiver has copied it;</li>
 *   <li>allgatherv, alltoall: each source copies its data once into its stage, each receiver copies what it needs
 *       out of it; gatherv and scatterv: the combiner copies the blocks straight between the root's array and the
 *       others';</li>
 *   <li>objects (broadcast, gather, allgather, scatter, alltoall): immutable JDK values are shared, others encoded
 *       once by their owner and decoded by each receiver in its own class loader;</li>
 *   <li>user operators on objects (reduce, allreduce, scan, exscan): the point-to-point trees of the superclass (each
 *       operand must be decoded in the combining rank's class loader), after a round that checks the call.</li>
 * </ul>
 * Every round checks that every rank called the same collective with the same root and operator, and reductions that
 * the arrays agree in type and length: every rank then throws the same error (in a broadcast, the ranks that had
 * already left do not: the root, and receivers whose call matched the root's). A rank waiting in a round is reported
 * by the deadlock watchdog with the ranks that have not arrived.
 */
final class ThreadsCollectives extends PointToPointCollectives {
    /**
     * Jobs of up to this many ranks per core yield before they park (see {@link #yields}): measured on 2 cores under
     * load, yielding halved the median 8-byte allreduce at 4 and 8 ranks and gained nothing at 64.
     */
    private static final int YIELD_RANKS_PER_CORE = 4;

    /** The shortest spin worth trying. */
    private static final long MIN_SPIN_NANOS = 1_000;

    private static final CollectiveSlot.Round NOTHING = (s, r) -> null;

    private final ThreadsTransport tt;
    private final ThreadsJob job;
    private final CollectiveSlot slot;
    private final int rank;
    private final int size;
    private final int jobRank;
    private final Mailbox box;
    private final String name;
    private final CollectiveSlot.Member member;
    /**
     * {@code Thread.yield()} calls a waiting rank makes after any spin and before it parks
     * ({@code -Djpar.threads.collectiveYields}; default 64 in jobs of at most {@value #YIELD_RANKS_PER_CORE} ranks
     * per core, else 0): a peer that is runnable but has no core gets this one, and the round completes without a
     * park and a wake-up. With many ranks per core, parking at once is cheaper than every rank cycling through them.
     */
    private final int yields;

    /**
     * Joins the group's slot (every communicator, the world or one made by split/dup, has its own, made by the first
     * of its ranks to get here). Called by every rank of the group at its first collective.
     *
     * @param t       the rank's endpoint (for the point-to-point collectives and the codec)
     * @param jobRank this rank in the job, for the deadlock watchdog
     * @param box     the mailbox the rank parks on (woken when the job fails)
     * @param name    the communicator, for the deadlock report ({@code "the world communicator"})
     */
    ThreadsCollectives(ThreadsTransport t, ThreadsJob job, int jobRank, Mailbox box, String name) {
        super(t);
        this.tt = t;
        this.job = job;
        this.rank = t.rank();
        this.size = t.size();
        this.slot = t.group().collectiveSlot();
        this.jobRank = jobRank;
        this.box = box;
        this.name = name;
        this.member = slot.members[rank];
        this.yields = org.jpar.internal.Settings.COLLECTIVE_YIELDS.getInt(
                job.size <= YIELD_RANKS_PER_CORE * Runtime.getRuntime().availableProcessors() ? 64 : 0);
        member.spinNanos = job.spinNanos;
    }

    void progress() {
        job.progress(jobRank);
    }

    /** Enters this rank's next round of {@code kind} and takes part in it. @return the round's number */
    private long meet(String kind, int root, Object op, Object send, Object recv, int[] counts,
            CollectiveSlot.Round round) {
        slot.enter(this, rank, kind, root, op, send, recv, counts);
        return slot.meet(this, rank, round);
    }

    /** Fills this rank's call (from {@link CollectiveSlot#enter}) and takes part in its round. @return its number */
    private long meet(CollectiveSlot.Call me, int root, Object op, Object send, Object recv, int[] counts,
            CollectiveSlot.Round round) {
        me.set(root, op, send, recv, counts);
        return slot.meet(this, rank, round);
    }

    /** Waits until round {@code target - 1} of the slot completes (see {@link #await}). */
    void awaitCompletion(CollectiveSlot s, long target, CollectiveSlot.Member m) {
        await(s, target, -1, m);
    }

    /** The root argument of {@link #await} for a wait on the slot's milestone ({@link CollectiveSlot#milestone}). */
    private static final int MILESTONE = -2;

    /** Waits until the slot's milestone reaches {@code target}, a multiple of its step (see {@link #await}). */
    void awaitMilestone(CollectiveSlot s, long target, CollectiveSlot.Member m) {
        await(s, target, MILESTONE, m);
    }

    /** Waits until rank {@code root} of the group has arrived in round {@code target - 1} (see {@link #await}). */
    void awaitRoot(CollectiveSlot s, long target, int root, CollectiveSlot.Member m) {
        await(s, target, root, m);
    }

    /**
     * @return whether round {@code target - 1} has completed ({@code root < 0}), or {@code root} arrived in it (or
     *         waits in it for a root of its own: the ranks disagree on the root)
     */
    private static boolean reached(CollectiveSlot s, long target, int root) {
        if (root < 0) {
            return root == MILESTONE ? s.milestone(target) : s.completed(target);
        }
        CollectiveSlot.Member r = s.members[root];
        return r.arrivedIn >= target || r.awaitingRootIn >= target;
    }

    /**
     * Waits until round {@code target - 1} of the slot completes, or ({@code root >= 0}) until rank {@code root}
     * has arrived in it: spins while ranks have cores to spare, yields the
     * core a few times while they do not outnumber cores by far ({@link #yields}), then parks in the rank's mailbox
     * (so a failure of the job wakes it), visible to the deadlock watchdog.
     * The spin adapts, as the JVM's own lock spinning does: a spin that ended the wait doubles the next one (up to
     * {@code jpar.threads.spinMicros}), one that did not halves it, so ranks that cannot run at once (cores busy with
     * other work) soon stop burning the time their peers need.
     */
    private void await(CollectiveSlot s, long target, int root, CollectiveSlot.Member m) {
        long spin = m.spinNanos;
        long start = job.spinNanos > 0 ? System.nanoTime() : 0;
        if (spin > 0) {
            int i = 0;
            boolean done;
            while (!(done = reached(s, target, root))) {
                Thread.onSpinWait();
                if ((++i & 0xF) == 0 && (System.nanoTime() - start > spin || job.failure() != null)) {
                    break;
                }
            }
            m.spinNanos = done ? Math.min(job.spinNanos, spin * 2) : spin / 2 < MIN_SPIN_NANOS ? 0 : spin / 2;
            if (done) {
                return;
            }
        } else if (job.spinNanos > 0 && (++m.unspun & 0x3F) == 0) {
            m.spinNanos = MIN_SPIN_NANOS; // every 64 waits, try spinning again
        }
        for (int i = 0; i < yields && !reached(s, target, root); i++) {
            Thread.yield();
        }
        if (reached(s, target, root)) {
            if (job.spinNanos > 0) {
                // the wait ended while yielding: the peers run, and a spin as long would have ended it. Ranks that
                // yield answer each other slower than ranks that spin, so without this a pair of ranks could stay
                // slow (measured: 2-rank allreduce median 1.0-2.4 µs, 0.4-0.6 with it)
                long waited = System.nanoTime() - start;
                if (waited < job.spinNanos / 2) {
                    m.spinNanos = Math.max(MIN_SPIN_NANOS, Math.min(job.spinNanos, Math.max(m.spinNanos, waited) * 2));
                }
            }
            return;
        }
        Waiting w = new InRound(s, target, root);
        Thread t = Thread.currentThread();
        job.waiting(jobRank, w, t);
        boolean interrupted = false;
        s.parking(1);
        try {
            while (!reached(s, target, root)) {
                m.parked = true;
                if (reached(s, target, root)) {
                    break;
                }
                if (job.failure() != null) {
                    throw job.abortedException();
                }
                box.park(w, false);
                // waits are not interruptible (as in MPI); keep the flag for the caller
                interrupted |= Thread.interrupted();
            }
        } finally {
            m.parked = false;
            s.parking(-1);
            job.waiting(jobRank, null, t);
            if (interrupted) {
                t.interrupt();
            }
        }
    }

    /** A rank parked in a round (for its completion, or for a broadcast's root), for the deadlock watchdog. */
    private final class InRound implements Waiting {
        private final CollectiveSlot s;
        private final long target;
        private final int root;

        InRound(CollectiveSlot s, long target, int root) {
            this.s = s;
            this.target = target;
            this.root = root;
        }

        @Override
        public boolean done() {
            return reached(s, target, root);
        }

        @Override
        public void parking(Thread t) {
            // the rank that completes the round (or its tree, or the root and its tree) unparks it
        }

        @Override
        public int peer() {
            if (root >= 0) {
                return tt.group().jobRank(root);
            }
            int missing = s.onlyMissing(target); // several missing: no one rank to name in the wait-for graph
            return missing < 0 ? -1 : tt.group().jobRank(missing);
        }

        @Override
        public String describe() {
            return s.describe(name, rank, target, root, root < 0 ? -1 : tt.group().jobRank(root));
        }
    }

    // ---------------------------------------------------------------- objects

    @Override
    public void barrier() {
        meet("barrier", -1, null, null, null, null, NOTHING);
    }

    @Override
    public Object broadcast(Object value, int root) {
        CollectiveSlot.Call me = slot.enter(this, rank, "broadcast");
        me.root = root;
        Object[] got = new Object[1];
        if (rank == root) {
            Object staged = tt.shareable(value);
            long bytes = tt.sharedBytes(staged);
            slot.limitRunAhead(this, rank, bytes);
            me.stage = staged;
            // a large value is not kept for later rounds: the root waits until every receiver decoded it (so a stream
            // of large broadcasts holds one at a time; an encoded object was once taken for small, and kept)
            boolean lend = bytes > LEND_BYTES;
            try {
                slot.meetLoose(this, rank, root, lend, null, null, NOTHING);
            } finally {
                if (lend) {
                    me.stage = null;
                }
            }
            return value;
        }
        slot.meetLoose(this, rank, root, false, c -> "broadcast".equals(c.kind) && c.root == root,
                c -> got[0] = tt.unshare(c.stage), NOTHING);
        return got[0];
    }

    @Override
    public Object[] gather(Object value, int root) {
        CollectiveSlot.Call me = slot.enter(this, rank, "gather");
        me.stage = rank == root ? null : tt.shareable(value);
        long r = meet(me, root, null, null, null, null, NOTHING);
        if (rank != root) {
            return null;
        }
        return collect(value, r);
    }

    @Override
    public Object[] allgather(Object value) {
        CollectiveSlot.Call me = slot.enter(this, rank, "allgather");
        me.stage = tt.shareable(value);
        return collect(value, meet(me, -1, null, null, null, null, NOTHING));
    }

    private Object[] collect(Object own, long r) {
        CollectiveSlot.Call[] calls = slot.calls(r);
        Object[] all = new Object[size];
        for (int i = 0; i < size; i++) {
            all[i] = i == rank ? own : tt.unshare(calls[i].stage);
        }
        return all;
    }

    @Override
    public Object scatter(Object[] values, int root) {
        CollectiveSlot.Call me = slot.enter(this, rank, "scatter");
        if (rank == root) {
            Object[] out = new Object[size];
            for (int i = 0; i < size; i++) {
                out[i] = i == root ? null : tt.shareable(values[i]);
            }
            me.stage = out;
        }
        long r = meet(me, root, null, null, null, null, NOTHING);
        return rank == root ? values[root] : tt.unshare(((Object[]) slot.calls(r)[root].stage)[rank]);
    }

    @Override
    public Object[] alltoall(Object[] values) {
        CollectiveSlot.Call me = slot.enter(this, rank, "alltoall");
        Object[] out = new Object[size];
        for (int i = 0; i < size; i++) {
            out[i] = i == rank ? null : tt.shareable(values[i]);
        }
        me.stage = out;
        CollectiveSlot.Call[] calls = slot.calls(meet(me, -1, null, null, null, null, NOTHING));
        Object[] in = new Object[size];
        for (int i = 0; i < size; i++) {
            in[i] = i == rank ? values[rank] : tt.unshare(((Object[]) calls[i].stage)[rank]);
        }
        return in;
    }

    @Override
    public Object reduce(Object value, BinaryOperator<Object> op, int root) {
        meet("reduce", root, null, null, null, null, NOTHING);
        return super.reduce(value, op, root);
    }

    @Override
    public Object allreduce(Object value, BinaryOperator<Object> op) {
        meet("allreduce", -1, null, null, null, null, NOTHING);
        return super.allreduce(value, op);
    }

    @Override
    public Object scan(Object value, BinaryOperator<Object> op, boolean exclusive) {
        meet(exclusive ? "exscan" : "scan", -1, null, null, null, null, NOTHING);
        return super.scan(value, op, exclusive);
    }

    // ---------------------------------------------------------------- primitive arrays

    @Override
    public void broadcastInto(Object array, int root) {
        CollectiveSlot.Call me = slot.enter(this, rank, "broadcastInto", array);
        if (me.root != root) { // as enter, writes only what changed: the others read this call
            me.root = root;
        }
        int n = Array.getLength(array);
        if (rank == root) {
            // a small array is staged (copied) and the root leaves; a large one is lent, the root waits for the readers
            boolean lend = org.jpar.internal.PrimitiveArrays.bytes(array) > LEND_BYTES;
            if (lend) {
                me.stage = array;
            } else {
                slot.limitRunAhead(this, rank, org.jpar.internal.PrimitiveArrays.bytes(array));
                Object st = reuse(slot.stageFor(me, rank), array.getClass(), n);
                System.arraycopy(array, 0, st, 0, n);
                if (me.stage != st) {
                    me.stage = st;
                }
            }
            try {
                slot.meetLoose(this, rank, root, lend, null, null, ThreadsCollectives::sameArrays);
            } finally {
                if (lend) {
                    me.stage = null; // the caller's own array: never a stage to reuse, nor to keep alive
                    me.send = null;
                }
            }
            return;
        }
        slot.meetLoose(this, rank, root, false,
                c -> "broadcastInto".equals(c.kind) && c.root == root && c.stage.getClass() == array.getClass()
                        && Array.getLength(c.stage) == n,
                c -> System.arraycopy(c.stage, 0, array, 0, n), ThreadsCollectives::sameArrays);
    }

    /**
     * A broadcast's root stages (copies) data up to this size and leaves; a larger array it lends (receivers copy
     * straight from it) and waits until every receiver has copied it.
     */
    private static final long LEND_BYTES = 64 << 10;

    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        meet("reduce (arrays)", root, op, send, recv, null, ThreadsCollectives::reduceAll);
        if (rank == root) {
            System.arraycopy(slot.result, 0, recv, 0, Array.getLength(recv));
        }
    }

    @Override
    public void allreduce(Object send, Object recv, Op op) {
        meet("allreduce (arrays)", -1, op, send, recv, null, ThreadsCollectives::reduceAll);
        System.arraycopy(slot.result, 0, recv, 0, Array.getLength(recv));
    }

    /** Combiner: every rank's send, in rank order, into the slot's buffer ({@code result}). */
    private static String reduceAll(CollectiveSlot s, long round) {
        String err = sameArrays(s, round);
        if (err != null) {
            return err;
        }
        Object first = s.calls(round)[0].send;
        int n = Array.getLength(first);
        Object acc = reuse(s.scratch, first.getClass(), n);
        System.arraycopy(first, 0, acc, 0, n);
        Op op = (Op) s.calls(round)[0].op;
        for (int i = 1; i < s.size; i++) {
            ArrayOps.combine(op, acc, s.calls(round)[i].send, 0, n);
        }
        if (s.scratch != acc) { // written only when they change: the other ranks read this slot's fields
            s.scratch = acc;
        }
        if (s.result != acc) {
            s.result = acc;
        }
        return null;
    }

    /** Combiner check: every rank's send has the same type and length as rank 0's. */
    private static String sameArrays(CollectiveSlot s, long round) {
        Object first = s.calls(round)[0].send;
        for (int i = 1; i < s.size; i++) {
            Object x = s.calls(round)[i].send;
            if (x.getClass() != first.getClass() || Array.getLength(x) != Array.getLength(first)) {
                return mismatch(s.calls(round)[0].kind.replace(" (arrays)", ""), 0, first, i, x).getMessage();
            }
        }
        return null;
    }

    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        meet(exclusive ? "exscan (arrays)" : "scan (arrays)", -1, op, send, recv, null,
                exclusive ? ThreadsCollectives::exscanAll : ThreadsCollectives::scanAll);
    }

    /** Combiner: rank i's recv gets the reduction of ranks 0..i. */
    private static String scanAll(CollectiveSlot s, long round) {
        String err = sameArrays(s, round);
        if (err != null) {
            return err;
        }
        CollectiveSlot.Call m0 = s.calls(round)[0];
        int n = Array.getLength(m0.send);
        Object acc = reuse(s.scratch, m0.send.getClass(), n);
        if (s.scratch != acc) {
            s.scratch = acc;
        }
        System.arraycopy(m0.send, 0, acc, 0, n);
        System.arraycopy(acc, 0, m0.recv, 0, n);
        Op op = (Op) m0.op;
        for (int i = 1; i < s.size; i++) {
            CollectiveSlot.Call m = s.calls(round)[i];
            ArrayOps.combine(op, acc, m.send, 0, n);
            System.arraycopy(acc, 0, m.recv, 0, n);
        }
        return null;
    }

    /** Combiner: rank i > 0's recv gets the reduction of ranks 0..i-1; rank 0's is left alone. */
    private static String exscanAll(CollectiveSlot s, long round) {
        String err = sameArrays(s, round);
        if (err != null) {
            return err;
        }
        CollectiveSlot.Call m0 = s.calls(round)[0];
        int n = Array.getLength(m0.send);
        Object acc = reuse(s.scratch, m0.send.getClass(), n);
        if (s.scratch != acc) {
            s.scratch = acc;
        }
        System.arraycopy(m0.send, 0, acc, 0, n);
        Op op = (Op) m0.op;
        Object held = null;
        for (int i = 1; i < s.size; i++) {
            CollectiveSlot.Call m = s.calls(round)[i];
            Object in = m.send;
            if (m.recv == in && i < s.size - 1) { // in place: keep the input before the prefix overwrites it
                held = reuse(held, in.getClass(), n);
                System.arraycopy(in, 0, held, 0, n);
                in = held;
            }
            System.arraycopy(acc, 0, m.recv, 0, n);
            if (i < s.size - 1) {
                ArrayOps.combine(op, acc, in, 0, n);
            }
        }
        return null;
    }

    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        meet("reduceScatter", -1, op, send, recv, counts, ThreadsCollectives::reduceWhole);
        int[] displs = displacements(counts);
        System.arraycopy(slot.result, displs[rank], recv, 0, counts[rank]);
    }

    /** Combiner: the first sum(counts) elements of every rank's send, reduced into the slot's buffer. */
    private static String reduceWhole(CollectiveSlot s, long round) {
        CollectiveSlot.Call m0 = s.calls(round)[0];
        String err = sameCounts(s, round);
        if (err != null) {
            return err;
        }
        int total = sum(m0.counts);
        for (int i = 1; i < s.size; i++) {
            if (s.calls(round)[i].send.getClass() != m0.send.getClass()) {
                return mismatch("reduceScatter", 0, m0.send, i, s.calls(round)[i].send).getMessage();
            }
        }
        Object acc = reuse(s.scratch, m0.send.getClass(), total);
        if (s.scratch != acc) {
            s.scratch = acc;
        }
        System.arraycopy(m0.send, 0, acc, 0, total);
        for (int i = 1; i < s.size; i++) {
            ArrayOps.combine((Op) m0.op, acc, s.calls(round)[i].send, 0, total);
        }
        if (s.result != acc) {
            s.result = acc;
        }
        return null;
    }

    private static String sameCounts(CollectiveSlot s, long round) {
        CollectiveSlot.Call m0 = s.calls(round)[0];
        for (int i = 1; i < s.size; i++) {
            if (!Arrays.equals(m0.counts, s.calls(round)[i].counts)) {
                return m0.kind + ": rank 0 gave counts " + Arrays.toString(m0.counts) + " but rank " + i + " gave "
                        + Arrays.toString(s.calls(round)[i].counts) + ": every rank must give the same counts";
            }
        }
        return null;
    }

    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        meet("gatherv", root, null, send, recv, counts, ThreadsCollectives::gatherBlocks);
    }

    /** Combiner: every rank's block straight into root's recv. */
    private static String gatherBlocks(CollectiveSlot s, long round) {
        CollectiveSlot.Call[] all = s.calls(round);
        CollectiveSlot.Call root = all[all[0].root];
        int[] counts = root.counts;
        int[] displs = displacements(counts);
        for (int i = 0; i < s.size; i++) {
            Object b = s.calls(round)[i].send;
            if (b.getClass() != root.recv.getClass()) {
                return "gatherv: root " + root.root + "'s recv is " + root.recv.getClass().getTypeName() + " but rank "
                        + i + " sent " + b.getClass().getTypeName() + ": give arrays of the same type";
            }
            if (Array.getLength(b) < counts[i]) {
                return "gatherv: rank " + i + " sent " + Array.getLength(b) + " elements but root " + root.root
                        + "'s counts[" + i + "] is " + counts[i] + ": give every rank's send at least its count";
            }
        }
        for (int i = 0; i < s.size; i++) {
            System.arraycopy(s.calls(round)[i].send, 0, root.recv, displs[i], counts[i]);
        }
        return null;
    }

    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        meet("scatterv", root, null, send, recv, counts, ThreadsCollectives::scatterBlocks);
    }

    /** Combiner: root's blocks straight into every rank's recv. */
    private static String scatterBlocks(CollectiveSlot s, long round) {
        CollectiveSlot.Call[] all = s.calls(round);
        CollectiveSlot.Call root = all[all[0].root];
        int[] counts = root.counts;
        int[] displs = displacements(counts);
        for (int i = 0; i < s.size; i++) {
            Object r = s.calls(round)[i].recv;
            if (r.getClass() != root.send.getClass()) {
                return "scatterv: rank " + i + "'s recv is " + r.getClass().getTypeName() + " but root " + root.root
                        + " sends " + root.send.getClass().getTypeName() + ": give arrays of the same type";
            }
            if (Array.getLength(r) < counts[i]) {
                return "scatterv: rank " + i + "'s recv has " + Array.getLength(r) + " elements but root "
                        + root.root + "'s counts[" + i + "] is " + counts[i] + ": give a recv of at least its count";
            }
        }
        for (int i = 0; i < s.size; i++) {
            System.arraycopy(root.send, displs[i], s.calls(round)[i].recv, 0, counts[i]);
        }
        return null;
    }

    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        CollectiveSlot.Call me = slot.enter(this, rank, "allgatherv", -1, null, send, recv, counts);
        Object st = reuse(slot.stageFor(me, rank), send.getClass(), counts[rank]);
        System.arraycopy(send, 0, st, 0, counts[rank]);
        me.stage = st;
        CollectiveSlot.Call[] calls = slot.calls(meet(me, -1, null, send, recv, counts,
                ThreadsCollectives::checkAllgatherv));
        int[] displs = displacements(counts);
        for (int i = 0; i < size; i++) {
            System.arraycopy(calls[i].stage, 0, recv, displs[i], counts[i]);
        }
    }

    private static String checkAllgatherv(CollectiveSlot s, long round) {
        String err = sameCounts(s, round);
        if (err != null) {
            return err;
        }
        for (int i = 1; i < s.size; i++) {
            if (s.calls(round)[i].send.getClass() != s.calls(round)[0].send.getClass()) {
                return mismatch("allgatherv", 0, s.calls(round)[0].send, i, s.calls(round)[i].send).getMessage();
            }
        }
        return null;
    }

    @Override
    public void alltoall(Object send, Object recv) {
        CollectiveSlot.Call me = slot.enter(this, rank, "alltoall (arrays)", -1, null, send, recv, null);
        int len = Array.getLength(send);
        Object st = reuse(slot.stageFor(me, rank), send.getClass(), len);
        System.arraycopy(send, 0, st, 0, len);
        me.stage = st;
        CollectiveSlot.Call[] calls = slot.calls(meet(me, -1, null, send, recv, null, ThreadsCollectives::sameArrays));
        int b = len / size;
        for (int i = 0; i < size; i++) {
            System.arraycopy(calls[i].stage, rank * b, recv, i * b, b);
        }
    }

    /** @return {@code old} if it is an array of class {@code type} and length {@code n}, else a new one */
    private static Object reuse(Object old, Class<?> type, int n) {
        if (old != null && old.getClass() == type && Array.getLength(old) == n) {
            return old;
        }
        return Array.newInstance(type.getComponentType(), n);
    }
}
