package org.jpar.engine.threads;

import java.util.concurrent.locks.LockSupport;

import org.jpar.JparException;

/**
 * The meeting point of one group's collectives on the embedded engine, one object shared by the group's ranks
 * (threads of one JVM). A collective is a <em>round</em>: every rank publishes what it brings in its {@link Call} for
 * the round and counts itself in; the last to arrive (the <em>combiner</em>) checks that every rank called the same
 * collective alike, does the round's shared work ({@link Round#combine}), and completes the round; the others wait
 * (spin, then park) and are woken along a tree rooted at the combiner (each woken rank wakes {@link #FANOUT} more), so
 * no rank wakes more than a few.
 * <p>Rounds complete in order (round r + 1 completes only once every rank has arrived in it, after round r). Most
 * collectives wait for their round to complete. A broadcast's round is <em>loose</em> ({@link #meetLoose}): its
 * receivers wait only for the root to arrive (they copy what it staged, then count themselves in), and a root whose
 * data it staged leaves at once, as an eager MPI broadcast's does. Each round has its own {@link Call}s,
 * {@link #depth} sets of them used in turn; a rank starts round r only once round r - depth + 1 completed, when every
 * rank has finished round r - depth and so read everything staged in its calls: so a root runs ahead of its slowest
 * receiver by at most depth - 1 broadcasts of small data ({@link #SMALL_BYTES}), and {@link #LARGE_AHEAD} of more.
 */
final class CollectiveSlot {
    /** How many ranks a woken rank wakes. */
    static final int FANOUT = org.jpar.internal.Settings.COLLECTIVE_FANOUT.getInt(4);

    /** The work of one round, given by every rank; the combiner's is run. */
    interface Round {
        /**
         * Runs in the last rank to arrive, while every other rank waits: may read every member's fields.
         *
         * @return null, or the error every rank of the group then throws
         */
        String combine(CollectiveSlot slot, long round);
    }

    /**
     * Rounds whose {@link Call}s exist at once ({@link #depthFor}): a broadcast's root may run this many rounds minus 1
     * ahead of the slowest rank. Running far ahead is what makes a stream of small broadcasts cheap: a root and its
     * receivers each go on with their rounds while their peers have no core (measured on 2 cores, 4 ranks, 8 bytes:
     * 2.2 µs per broadcast with 8, 0.8 with 32, 0.4-0.5 with 128).
     */
    final int depth;
    private final int mask;

    /** A broadcast's root with more than this many bytes to stage runs at most {@link #LARGE_AHEAD} rounds ahead. */
    static final long SMALL_BYTES = 4 << 10;

    /** How many broadcasts of more than {@link #SMALL_BYTES} a root may run ahead of its slowest receiver. */
    static final int LARGE_AHEAD = 7;

    /**
     * Bytes of staged arrays a rank's calls keep for reuse, in all: each of its {@link #depth} calls keeps one of up to
     * this over the depth (64 KiB at depth 8, 4 KiB at 128); a larger one goes to its member's spare
     * ({@link Member#spare}).
     */
    private static final long KEEP_STAGED_TOTAL = 512 << 10;

    /** @return the depth of a slot of {@code size} ranks: 128 for up to 16 ranks, halving down to 8 from 256 */
    static int depthFor(int size) {
        return Math.max(8, Math.min(128, Integer.highestOneBit(Math.max(1, 2048 / size))));
    }

    /** A rank, and how to wake it. */
    static final class Member {
        volatile Thread thread;
        volatile boolean parked;
        /** Rounds this rank has arrived in (written at arrival, after its call, before it counts itself in). */
        volatile long arrivedIn;
        /** Rounds this rank has finished (its own only). */
        long rounds;
        /** How long this rank spins before it parks, adapted to how spins went (its own only). */
        long spinNanos;
        /** Waits that did not spin (its own only). */
        int unspun;
        /**
         * The rounds (+ 1) rank {@link #knownRoot}, a broadcast's root, was last seen to have arrived in (its own
         * only): a receiver reads that root's {@link #arrivedIn} again only for a later round.
         */
        long knownRootArrived;
        int knownRoot = -1;
        /** Rounds below this one had their stages that calls do not keep let go ({@link #limitRunAhead}). */
        long letGoUpTo;
        /** The latest {@link #completed} this rank read (its own only): it reads that field again only when behind. */
        long knownCompleted;
        /**
         * A staged array of more than a call keeps ({@link #keepStaged}) and at most {@link #KEEP_BYTES}, from a
         * round every rank has finished: the rank's next stage reuses it (its own only).
         */
        Object spare;
        /** The collective this rank is in or last was in, for the deadlock report. */
        volatile String kind;
        /**
         * The round (+ 1) in which this rank, a broadcast's receiver, waits for its root: a rank that takes it for its
         * root sees that the two disagree on the root, and stops waiting for it.
         */
        volatile long awaitingRootIn;
    }

    private static final java.lang.invoke.VarHandle ARRIVED_IN;

    static {
        try {
            ARRIVED_IN = java.lang.invoke.MethodHandles.lookup().findVarHandle(Member.class, "arrivedIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What one rank brings to one round: read by the combiner, and by the others once the rank arrived. */
    static final class Call {
        String kind;
        /** A broadcast's call ({@link #meetLoose}): ranks may leave before the round completes. */
        boolean loose;
        int root;
        Object op;
        Object send;
        Object recv;
        int[] counts;
        /** Data this rank staged for the others to read (kept for reuse when it is a small array). */
        Object stage;

        /**
         * Sets the arguments, writing only those that change: a call another rank read keeps its cache line shared,
         * so a stream of like collectives writes no more than their data into lines the other ranks read.
         */
        void set(int root, Object op, Object send, Object recv, int[] counts) {
            if (this.root != root) {
                this.root = root;
            }
            if (this.op != op) {
                this.op = op;
            }
            if (this.send != send) {
                this.send = send;
            }
            if (this.recv != recv) {
                this.recv = recv;
            }
            if (this.counts != counts) {
                this.counts = counts;
            }
        }
    }

    final int size;
    final Member[] members;
    /** The calls of round r are {@code calls[r % depth]}, by rank. */
    private final Call[][] calls;
    /** Ranks arrived in round r: at {@code (r % depth) * PAD}, one cache line for each round in flight. */
    private final java.util.concurrent.atomic.AtomicIntegerArray arrived;
    private static final int PAD = 16;
    /**
     * Rounds completed, at {@code [COMPLETED]} of a cell of its own cache line: the combiner writes it every round,
     * and the fields beside it in this object are read by every rank at every round.
     */
    private final java.util.concurrent.atomic.AtomicLongArray completed =
            new java.util.concurrent.atomic.AtomicLongArray(32);
    private static final int COMPLETED = 8;
    /**
     * The rank that completed the last round, at {@code completed[COMBINER]}: in the line of {@link #completed}, which
     * a waiting rank reads anyway (it changes with the last rank to arrive, often every round).
     */
    private static final int COMBINER = 9;
    /**
     * The last multiple of {@link #milestoneStep} of {@link #completed}, at {@code completed[MILESTONE]} (a cache line
     * away from it): what a rank whose calls are all in use waits on ({@link #enter}).
     */
    private static final int MILESTONE = 24;
    /** Rounds between milestones: a quarter of the depth. */
    private final int milestoneStep;
    /**
     * The latest round (+ 1) in which a broadcast's receiver waits for its root: a rank that arrives in that round by
     * {@link #meet} (so it is no broadcast's root there: the calls differ) wakes the waiting ones.
     */
    private volatile long rootAwaitedIn;
    /**
     * The last completed round's error (or null) and result, written before {@link #completed} (its combiner, the
     * rank that completed it, is beside that count: {@link #COMBINER}).
     */
    private String error;
    Object result;
    /** A buffer the combiner may reuse from round to round (every reader of the previous round has arrived). */
    Object scratch;
    /**
     * Ranks parked (or about to park) in a round: the wake-ups read members' park flags only when some rank is, so a
     * round whose ranks all spin or yield reads no other rank's member ({@link #parking}).
     */
    private final java.util.concurrent.atomic.AtomicInteger parkers = new java.util.concurrent.atomic.AtomicInteger();
    /** The largest staged array a call keeps for reuse ({@link #KEEP_STAGED_TOTAL} over the depth). */
    private final long keepStaged;

    /** A slot for a group of {@code size} ranks (one per group: {@link Group#collectiveSlot}). */
    CollectiveSlot(int size) {
        this.size = size;
        this.members = new Member[size];
        for (int i = 0; i < size; i++) {
            members[i] = new Member();
        }
        this.depth = depthFor(size);
        this.mask = depth - 1;
        this.milestoneStep = Math.max(1, depth / 4);
        this.keepStaged = KEEP_STAGED_TOTAL / depth;
        this.arrived = new java.util.concurrent.atomic.AtomicIntegerArray(depth * PAD);
        this.calls = new Call[depth][size];
        for (int d = 0; d < depth; d++) {
            for (int i = 0; i < size; i++) {
                calls[d][i] = new Call();
            }
        }
    }

    /** @return the calls of round {@code round}, by rank (for combiners and readers) */
    Call[] calls(long round) {
        return calls[(int) round & mask];
    }

    /**
     * Counts a rank in or out of the parked ones ({@link #parkers}): a rank counts itself in before it checks its wait
     * one last time and parks, and out once it no longer waits; a rank that ends a wait writes what ends it before
     * it reads the count (a volatile write, then read, on each side: one of the two sees the other).
     */
    void parking(int delta) {
        parkers.addAndGet(delta);
    }

    /**
     * Starts rank {@code rank}'s next round: waits until that round's calls are free (round r - depth + 1 completed:
     * every rank has finished round r - depth, whose calls these were).
     *
     * @param kind the collective, for the deadlock report
     * @return the rank's call for the round, to fill in before {@link #meet} or {@link #meetLoose}
     */
    Call enter(ThreadsCollectives c, int rank, String kind) {
        return enter(c, rank, kind, null);
    }

    /**
     * {@link #enter(ThreadsCollectives, int, String)} with the call's {@link Call#send} set to {@code send} (written
     * only if it differs from the call's last, as every field here).
     */
    Call enter(ThreadsCollectives c, int rank, String kind, Object send) {
        Call call = enterCall(c, rank, kind);
        call.set(call.root, null, send, null, null); // the root stays: the caller sets it
        return call;
    }

    /** {@link #enter(ThreadsCollectives, int, String)} with every argument of the call set ({@link Call#set}). */
    Call enter(ThreadsCollectives c, int rank, String kind, int root, Object op, Object send, Object recv,
            int[] counts) {
        Call call = enterCall(c, rank, kind);
        call.set(root, op, send, recv, counts);
        return call;
    }

    private Call enterCall(ThreadsCollectives c, int rank, String kind) {
        Member m = members[rank];
        // volatile writes only when the value changes: each is a full fence on x86, and a stream of small collectives
        // would pay two per call for values that stay the same
        Thread t = Thread.currentThread();
        if (m.thread != t) {
            m.thread = t;
        }
        if (m.kind != kind) {
            m.kind = kind;
        }
        long r = m.rounds;
        long free = r - depth + 2;
        if (free > 0 && m.knownCompleted < free) {
            long done = completed.get(COMPLETED);
            if (done < free) {
                // the window is full (a broadcast's root far ahead): wait for the next milestone, which frees
                // milestoneStep calls at once and is written once per milestoneStep rounds, where the completed count
                // the slowest rank writes every round would bounce between its core and this spinning one
                c.awaitMilestone(this, (free + milestoneStep - 1) / milestoneStep * milestoneStep, m);
                done = completed.get(COMPLETED);
            }
            m.knownCompleted = done;
        }
        Call call = calls[(int) r & mask][rank];
        if (call.kind != kind) { // written only when they change, as Call.set
            call.kind = kind;
        }
        if (call.loose) {
            call.loose = false;
        }
        letGoStage(m, call);
        return call;
    }

    /** Waits until round {@code target - 1} has completed (nothing to wait for if {@code target <= 0}). */
    private void awaitCompleted(ThreadsCollectives c, Member m, long target) {
        if (target > 0 && m.knownCompleted < target) {
            if (completed.get(COMPLETED) < target) {
                c.awaitCompletion(this, target, m);
            }
            m.knownCompleted = completed.get(COMPLETED);
        }
    }

    /**
     * A broadcast's root with more than {@link #SMALL_BYTES} to stage: waits until it is at most {@link #LARGE_AHEAD}
     * rounds ahead of the slowest rank (its call for this round, from {@link #enter}).
     */
    void limitRunAhead(ThreadsCollectives c, int rank, long bytes) {
        if (bytes > SMALL_BYTES) {
            Member m = members[rank];
            long r = m.rounds;
            awaitCompleted(c, m, r - LARGE_AHEAD + 1);
            // every rank has read what this rank staged in the rounds finished since: a stage its call does not keep
            // is let go now (it becomes the spare this round reuses), not when the call comes round again, depth
            // rounds later (a stream of 64 KiB broadcasts held 128 of them, 8 MiB a communicator, once it went idle).
            // Round x is finished at every rank once round x + 1 completed: the ranks of an alltoall or allgatherv
            // read the others' stages after their round completed (letting go of the last completed round too took
            // a stage from under such a reader: a NullPointerException in the alltoall before a broadcast)
            long finished = m.knownCompleted - 1;
            for (long x = Math.max(m.letGoUpTo, r - depth + 1); x < finished; x++) {
                letGoStage(m, calls[(int) x & mask][rank]);
            }
            m.letGoUpTo = Math.max(m.letGoUpTo, finished);
        }
    }

    /**
     * @return a staged array the rank may reuse in its call (from {@link #enter}): the one its call kept, else its
     *         spare (taken), else null
     */
    Object stageFor(Call call, int rank) {
        Object st = call.stage;
        if (st == null) {
            Member m = members[rank];
            st = m.spare;
            m.spare = null;
        }
        return st;
    }

    /**
     * Lets go of the stage of {@code call}, rank {@code m}'s call of a round every rank has finished, unless the call
     * keeps it ({@link #keepStaged}): it may become the rank's spare ({@link #spare}).
     */
    private void letGoStage(Member m, Call call) {
        if (!keepStaged(call.stage)) {
            spare(m, call.stage);
            call.stage = null;
        }
    }

    /** Keeps a let-go stage of at most {@link #KEEP_BYTES} as the rank's spare, if larger than its spare. */
    private static void spare(Member m, Object stage) {
        if (stage != null && org.jpar.internal.PrimitiveArrays.isPrimitiveArray(stage)
                && org.jpar.internal.PrimitiveArrays.bytes(stage) <= KEEP_BYTES
                && (m.spare == null || org.jpar.internal.PrimitiveArrays.bytes(m.spare)
                        < org.jpar.internal.PrimitiveArrays.bytes(stage))) {
            m.spare = stage;
        }
    }

    /**
     * Takes part in one round: the caller has filled its {@link Call} (from {@link #enter}). Returns when every rank
     * has arrived and the combiner is done.
     *
     * @param c     the calling rank's collectives (for waiting: its job, mailbox, watchdog entry)
     * @param rank  the caller's rank in the group
     * @param round what to do when the caller is the last to arrive
     * @return the round's number (for {@link #calls(long)})
     * @throws JparException the round's error (at every rank alike), or the job's abort
     */
    long meet(ThreadsCollectives c, int rank, Round round) {
        Member m = members[rank];
        long r = m.rounds;
        Call call = calls[(int) r & mask][rank];
        boolean completedIt = arrive(c, rank, r, round);
        if (rootAwaitedIn >= r + 1) {
            wakeAllParked(); // ranks wait in a broadcast for a root: if it is this rank, it will never be one here
        }
        if (!completedIt && completed.get(COMPLETED) < r + 1) {
            c.awaitCompletion(this, r + 1, m);
        }
        wakeChildren(rank, (int) completed.getPlain(COMBINER)); // written before the count this rank read
        m.rounds = r + 1;
        // read by the combiner only, before the round completed: a large array is not kept alive by the call (a
        // small one stays, so the next round with the same arrays leaves the call's line as the others read it)
        if (!retained(call.send)) {
            call.send = null;
        }
        if (!retained(call.recv)) {
            call.recv = null;
        }
        // every rank has finished the previous round: a large stage is let go now
        letGoStage(m, calls[(int) (r + depth - 1) & mask][rank]);
        String err = error; // the next round's combiner writes it only after this rank arrives there
        if (err != null) {
            throw new JparException(err);
        }
        return r;
    }

    /**
     * Takes part in a broadcast's round, which does not wait for the round to complete. A receiver ({@code rank !=
     * root}) waits until the root has arrived, checks that the root's call matches its own ({@code matches}), reads
     * what the root staged ({@code read}; the root keeps it until every rank has finished the round) and counts itself
     * in. A root counts itself in and leaves, unless {@code rootWaits} (it lent its own array: it waits until every
     * receiver has read it). A receiver whose call does not match the root's, and the last rank to arrive, wait for
     * the round's check and throw its error, as in {@link #meet}.
     *
     * @param matches for a receiver: whether its call matches the root's (else it waits for the round's error)
     * @param read    for a receiver, once the root arrived and the calls match: reads the root's staged data
     * @throws JparException the round's error (at the ranks that waited for the check), or the job's abort
     */
    void meetLoose(ThreadsCollectives c, int rank, int root, boolean rootWaits,
            java.util.function.Predicate<Call> matches, java.util.function.Consumer<Call> read, Round round) {
        Member m = members[rank];
        long r = m.rounds;
        Call[] round0 = calls[(int) r & mask];
        if (!round0[rank].loose) {
            round0[rank].loose = true;
        }
        boolean wait = rank == root && rootWaits;
        if (rank != root) {
            Member rm = members[root];
            // a root that ran ahead was seen to have arrived in this round already: its arrival count is not read
            // again (it changes at every round the root runs, so each read would fetch its cache line anew)
            long rootIn = m.knownRoot == root ? m.knownRootArrived : 0;
            if (rootIn < r + 1) {
                rootIn = rm.arrivedIn;
                if (rootIn < r + 1) {
                    m.awaitingRootIn = r + 1;
                    if (rootAwaitedIn < r + 1) {
                        rootAwaitedIn = r + 1;
                    }
                    if (parkers.get() != 0 && rm.parked) {
                        LockSupport.unpark(rm.thread); // if it waits for a root of its own, it sees this one waiting
                    }
                    c.awaitRoot(this, r + 1, root, m);
                    rootIn = rm.arrivedIn;
                }
                m.knownRoot = root;
                m.knownRootArrived = rootIn;
            }
            wakeReceivers(rank, root, r + 1);
            Call rootCall = round0[root];
            // the root waits for a root itself (the two disagree: the round's check tells), or its call differs
            if (rootIn >= r + 1 && matches.test(rootCall)) {
                read.accept(rootCall);
            } else {
                wait = true;
            }
        }
        boolean completedIt = arrive(c, rank, r, round);
        if (rank == root) {
            wakeReceivers(rank, root, r + 1);
        } else if (wait) {
            wakeAllParked(); // ranks that took this one for their root wait for it to arrive
        }
        if (!completedIt && wait && completed.get(COMPLETED) < r + 1) {
            c.awaitCompletion(this, r + 1, m);
        }
        m.rounds = r + 1;
        if (completedIt || wait) {
            String err = error; // the next round's combiner writes it only after this rank arrives there
            if (err != null) {
                throw new JparException(err);
            }
            if (wait && rank != root) {
                throw new JparException(round0[rank].kind + ": rank " + rank + "'s call does not match root " + root
                        + "'s");
            }
        }
    }

    /**
     * Publishes the caller's call and counts it in round {@code r}; the last to arrive checks the calls, combines
     * and completes the round.
     *
     * @return true if the caller completed the round
     */
    private boolean arrive(ThreadsCollectives c, int rank, long r, Round round) {
        Member m = members[rank];
        int d = (int) r & mask;
        ARRIVED_IN.setRelease(m, r + 1); // the count's increment below is the fence that publishes it
        c.progress();
        if (arrived.incrementAndGet(d * PAD) != size) {
            return false;
        }
        arrived.set(d * PAD, 0);
        String err;
        Object before = scratch;
        if (large(result)) {
            result = null; // so that a round that sets none shows below it did not use a large scratch
        }
        try {
            err = checkSameCall(r);
            if (err == null) {
                err = round.combine(this, r);
            }
        } catch (RuntimeException | Error e) {
            err = calls[d][rank].kind + ": " + e;
        }
        if (scratch == before && result != before && large(before)) {
            scratch = null; // a large buffer this round did not use is not kept for later
        }
        if (calls[d][rank].loose) {
            // ranks left this round before its check, which read their arrays: a large one is let go only now (else
            // a call would keep it alive until its rank reuses the call, depth rounds later)
            for (Call x : calls[d]) {
                if (!retained(x.send)) {
                    x.send = null;
                }
            }
        }
        if (error != err) { // written only when they change, as the calls' fields
            error = err;
        }
        completed.setPlain(COMBINER, rank); // published with completed, next
        if ((r + 1) % milestoneStep == 0) {
            completed.setRelease(MILESTONE, r + 1); // published with completed, next
        }
        completed.set(COMPLETED, r + 1);
        if (calls[d][rank].loose || err != null) {
            wakeAllParked(); // ranks that left a loose round early do not pass the wake-up on along the tree
        }
        return true;
    }

    /**
     * @return whether a staged array is kept in its call for reuse, {@link #depth} rounds later: a primitive array of
     *         at most {@link #keepStaged} bytes
     */
    private boolean keepStaged(Object stage) {
        return stage != null && org.jpar.internal.PrimitiveArrays.isPrimitiveArray(stage)
                && org.jpar.internal.PrimitiveArrays.bytes(stage) <= keepStaged;
    }

    /** Staged or scratch arrays up to this size are kept for reuse by the next rounds; larger ones are let go. */
    static final long KEEP_BYTES = 4L << 20;

    /**
     * A call keeps a rank's own arrays (send, recv) after their round up to this size, so that the next like call
     * need not write its cache line again; larger ones are let go (at most depth × 2 of them per rank, 64 KiB).
     */
    private static final long RETAIN_BYTES = 256;

    /**
     * @return whether a call keeps {@code a} after its round: null, or a primitive array of at most
     *         {@link #RETAIN_BYTES}
     */
    private static boolean retained(Object a) {
        return a == null || org.jpar.internal.PrimitiveArrays.isPrimitiveArray(a)
                && org.jpar.internal.PrimitiveArrays.bytes(a) <= RETAIN_BYTES;
    }

    private static boolean large(Object a) {
        return a != null && org.jpar.internal.PrimitiveArrays.isPrimitiveArray(a)
                && org.jpar.internal.PrimitiveArrays.bytes(a) > KEEP_BYTES;
    }

    /**
     * For a group no rank will call a collective on any more: whether a round some ranks arrived in never completed.
     *
     * @return the error naming the collective and the ranks that did and did not call it, or null
     */
    String unfinished(String communicator, java.util.function.IntUnaryOperator jobRank) {
        long done = completed.get(COMPLETED);
        int[] called = new int[size];
        int[] not = new int[size];
        int nc = 0;
        int nn = 0;
        String kind = null;
        for (int i = 0; i < size; i++) {
            if (members[i].arrivedIn > done) {
                if (kind == null) {
                    kind = calls(done)[i].kind;
                }
                called[nc++] = jobRank.applyAsInt(i);
            } else {
                not[nn++] = jobRank.applyAsInt(i);
            }
        }
        if (kind == null) {
            return null;
        }
        return "collective mismatch: " + ranks(called, nc) + " called " + kind + " on " + communicator + " but "
                + ranks(not, nn) + " never did (finished, or closed the communicator, first): every rank must call the"
                + " same collectives in the same order";
    }

    /**
     * @return {@code "rank 3"}, {@code "ranks 0, 1"}, or with runs of 3 and more consecutive ranks as ranges,
     *         {@code "ranks 0, 1, 3-63"} (so a job of thousands of ranks gets a short line)
     */
    static String ranks(int[] list, int n) {
        StringBuilder sb = new StringBuilder(n == 1 ? "rank " : "ranks ");
        for (int i = 0; i < n;) {
            int j = i;
            while (j + 1 < n && list[j + 1] == list[j] + 1) {
                j++;
            }
            sb.append(i == 0 ? "" : ", ").append(list[i]);
            if (j - i >= 2) {
                sb.append('-').append(list[j]);
                i = j + 1;
            } else {
                i++;
            }
        }
        return sb.toString();
    }

    /**
     * @return the one rank that has not arrived in round {@code target - 1}, or -1 if none or several (the deadlock
     *         report's wait-for graph takes one rank a wait needs)
     */
    int onlyMissing(long target) {
        int missing = -1;
        for (int i = 0; i < size; i++) {
            if (members[i].arrivedIn < target) {
                if (missing >= 0) {
                    return -1;
                }
                missing = i;
            }
        }
        return missing;
    }

    /** @return true once the milestone of round {@code target - 1} (a multiple of the step) has passed */
    boolean milestone(long target) {
        return completed.get(MILESTONE) >= target;
    }

    /** @return true once round {@code target - 1} (counting from 0) has completed */
    boolean completed(long target) {
        return completed.get(COMPLETED) >= target;
    }

    /**
     * Wakes the receivers below {@code rank} in the tree rooted at a broadcast's {@code root} (its round + 1 is
     * {@code target}): each woken receiver wakes those below it in turn. A child that has not come to the broadcast
     * yet cannot (it may even wait for a message from a receiver below it, which the root's data lets go on), so the
     * ranks below it are woken here.
     */
    private void wakeReceivers(int rank, int root, long target) {
        if (parkers.get() == 0) {
            return;
        }
        int n = size;
        long rel = (rank - root + n) % n;
        for (int k = 1; k <= FANOUT; k++) {
            long child = rel * FANOUT + k;
            if (child >= n) {
                break;
            }
            int cr = (int) ((child + root) % n);
            Member cm = members[cr];
            if (cm.awaitingRootIn >= target) { // it waits (or waited) for the root, and passes the wake-up on
                if (cm.parked) {
                    LockSupport.unpark(cm.thread);
                }
            } else if (cm.arrivedIn < target) {
                wakeReceivers(cr, root, target);
            }
        }
    }

    /** Wakes every parked rank (each checks whether its wait is over). */
    private void wakeAllParked() {
        if (parkers.get() == 0) {
            return;
        }
        for (Member x : members) {
            if (x.parked) {
                LockSupport.unpark(x.thread);
            }
        }
    }

    /**
     * Wakes this rank's children in the tree rooted at {@code c}, the round's combiner (every rank of the round waits
     * for its completion and passes the wake-up on; a broadcast's receivers are woken by {@link #wakeReceivers}).
     */
    private void wakeChildren(int rank, int c) {
        if (parkers.get() == 0) {
            return;
        }
        int n = size;
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
    private String checkSameCall(long r) {
        Call[] all = calls(r);
        Call first = all[0];
        for (int i = 1; i < size; i++) {
            Call x = all[i];
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
    String describe(String communicator, int rank, long target, int root, int rootJobRank) {
        StringBuilder sb = new StringBuilder(String.valueOf(members[rank].kind)).append(" on ").append(communicator)
                .append(" (rank ").append(rank).append(" of ").append(size).append(" there), waiting for ");
        if (root >= 0) {
            sb.append("its root, rank ").append(rootJobRank);
            return root == rootJobRank ? sb.toString() : sb.append(" (rank ").append(root).append(" there)").toString();
        }
        StringBuilder list = new StringBuilder();
        int shown = 0;
        int missing = 0;
        for (int i = 0; i < size; i++) {
            if (members[i].arrivedIn < target) {
                missing++;
                if (shown < 10) {
                    list.append(shown == 0 ? "" : ", ").append(i);
                    shown++;
                }
            }
        }
        if (missing > shown) {
            list.append(", ... (").append(missing).append(" ranks)");
        }
        if (missing == 0) {
            return sb.append("ranks (none: the round is completing)").toString();
        }
        return sb.append(missing == 1 ? "rank " : "ranks ").append(list).toString();
    }
}
