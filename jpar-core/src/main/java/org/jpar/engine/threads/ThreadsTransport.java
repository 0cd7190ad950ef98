package org.jpar.engine.threads;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.UUID;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;
import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.internal.diag.HookedCollectives;
import org.jpar.internal.diag.SendSites;
import org.jpar.spi.Collectives;
import org.jpar.spi.Transport;

/**
 * One embedded rank's endpoint. A send appends to the receiver's {@link Mailbox}: small messages as private copies
 * (eager), arrays above the eager limit by reference, with the sender waiting until the receiver has copied them
 * (rendezvous: one copy, straight into the receiving buffer). Immutable JDK values are shared, other objects are
 * encoded by the sender and decoded by the receiver, in its own class loader.
 */
final class ThreadsTransport implements Transport {
    private Collectives collectives;
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Integer.class, Long.class, Double.class,
            Float.class, Short.class, Byte.class, Character.class, Boolean.class, BigInteger.class, BigDecimal.class,
            UUID.class);
    private static final Request<Void> DONE_SEND = new SendRequest(null, null);

    private final ThreadsJob job;
    /** The group this endpoint belongs to: the world, or one made by split/dup. */
    private final Group group;
    private final int rank;
    /** This rank in the job (the world), for the deadlock watchdog. */
    private final int jobRank;
    private final ClassLoader loader;
    private final Mailbox mine;
    private volatile ObjectCodec codec;
    /** How many splits (and dups) this endpoint took part in: with the group's id, names the next new group. */
    private int splits;
    private volatile boolean closed;

    /** Rank {@code rank}'s endpoint into the world of {@code job}. */
    ThreadsTransport(ThreadsJob job, int rank, ClassLoader loader) {
        this(job.world, rank, loader, null);
    }

    private ThreadsTransport(Group group, int rank, ClassLoader loader, ObjectCodec codec) {
        this.job = group.job;
        this.group = group;
        this.rank = rank;
        this.jobRank = group.jobRank(rank);
        this.loader = loader;
        this.mine = group.boxes[rank];
        this.codec = codec;
    }

    /** @return the group of this endpoint (for the engine's collectives: one object shared by its members) */
    Group group() {
        return group;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size();
    }

    @Override
    public String processorName() {
        return job.hostName;
    }

    @Override
    public String engineName() {
        return ThreadsEngine.NAME;
    }

    @Override
    public void send(Object message, int dest, int tag) {
        Msg m = post(message, dest, tag);
        if (m.kind == Msg.RENDEZVOUS || m.sync) {
            awaitTaken(m);
        }
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        Msg m = post(message, dest, tag);
        return m.kind == Msg.RENDEZVOUS || m.sync ? new SendRequest(this, m) : DONE_SEND;
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        job.checkRunning();
        long seen = mine.sortedToUnexpected(); // read before looking: a sort by another thread after it is noticed
        Msg m = mine.take(source, tag, true);
        if (m == null) {
            m = awaitUnposted(new Unposted(source, tag, seen));
        }
        return open(m, source, tag, buffer);
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        job.checkRunning();
        Pending p = new Pending(this, source, tag, buffer);
        Msg m = mine.takeOrPost(p);
        if (m != null) {
            p.complete(m);
        }
        return p;
    }

    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        job.checkRunning();
        long seen = mine.sortedToUnexpected();
        Msg m = mine.peek(source, tag);
        if (m == null && block) {
            Probing p = new Probing(source, tag, seen);
            if (!p.done()) {
                awaitDone(p, mine, false);
            }
            m = p.msg;
        }
        return m == null ? null : new Envelope<>(null, m.source, m.tag, m.bytes, typeOf(m));
    }

    /** @return the Java type of a message still in the mailbox: arrays and shared values by their class, objects by
     *          the class name their encoding carries */
    private static String typeOf(Msg m) {
        switch (m.kind) {
            case Msg.ENCODED: {
                String name = ObjectCodec.className((byte[]) m.data);
                return name == null ? "" : name;
            }
            default:
                return m.data == null ? "null" : m.data.getClass().getTypeName();
        }
    }

    /**
     * Ends the job through its failure path: every rank is stopped, and {@code jpar run} exits with the code's status
     * after one line naming this rank.
     */
    @Override
    public void abort(int code) {
        throw job.abort(jobRank, code, Transport.exitStatus(code));
    }

    /**
     * Collective over this group. The members learn each other's colour and key by an allgather of point-to-point
     * messages on {@link Collectives#TAG_SPLIT} (Bruck's algorithm: ceil(log2 n) rounds); each new group is then one
     * object of the job that its members share (new mailboxes), found by a key every member computes alike.
     */
    @Override
    public Transport split(int color, int key) {
        int n = size();
        int seq = splits++;
        int[] all = allgatherPairs(color, key);
        if (color == org.jpar.Par.UNDEFINED) {
            return null;
        }
        int members = 0;
        for (int r = 0; r < n; r++) {
            if (all[2 * r] == color) {
                members++;
            }
        }
        long[] order = new long[members]; // (key, parent rank) sorted: key in the high bits
        int i = 0;
        for (int r = 0; r < n; r++) {
            if (all[2 * r] == color) {
                order[i++] = ((long) all[2 * r + 1] << 32) | r;
            }
        }
        java.util.Arrays.sort(order);
        int[] jobRanks = new int[members];
        int newRank = -1;
        for (int j = 0; j < members; j++) {
            int r = (int) order[j];
            jobRanks[j] = group.jobRank(r);
            if (r == rank) {
                newRank = j;
            }
        }
        Group g = job.join(group.id + "/" + seq + "/" + color, jobRanks);
        return new ThreadsTransport(g, newRank, loader, codec);
    }

    /**
     * Bruck's allgather of one (colour, key) pair per member. @return {@code [color0, key0, color1, key1, ...]} in
     * group order
     */
    private int[] allgatherPairs(int color, int key) {
        int n = size();
        int[] have = new int[2 * n]; // have[2i..] is the pair of member (rank + i) % n
        have[0] = color;
        have[1] = key;
        int count = 1;
        for (int step = 1; step < n; step <<= 1) {
            int k = Math.min(step, n - count);
            int[] out = java.util.Arrays.copyOf(have, 2 * k);
            Request<Void> sent = isend(out, (rank - step + n) % n, Collectives.TAG_SPLIT);
            int[] in = (int[]) receive((rank + step) % n, Collectives.TAG_SPLIT, null).value();
            System.arraycopy(in, 0, have, 2 * count, 2 * k);
            count += k;
            sent.await();
        }
        int[] all = new int[2 * n];
        for (int i = 0; i < n; i++) {
            int r = (rank + i) % n;
            all[2 * r] = have[2 * i];
            all[2 * r + 1] = have[2 * i + 1];
        }
        return all;
    }

    /** @return where this endpoint is, for what its waits describe: "" in the world, else the communicator */
    String where() {
        return group.where(rank);
    }

    /** The first call is made by every rank of the group at once (Communicator calls it in its first collective). */
    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new ThreadsCollectives(this, job, jobRank, mine, group.communicatorName());
            if (job.strict) {
                c = new HookedCollectives(c, group.ledger().hook(rank));
            }
            collectives = c;
        }
        return c;
    }

    @Override
    public void close() {
        // the world's mailboxes live as long as the job; a group made by split/dup is forgotten once every member
        // closed it (MPI_Comm_free), its mailboxes then go with the last endpoint
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        group.closed();
    }

    private Msg post(Object message, int dest, int tag) {
        job.checkRunning();
        Msg m = prepare(message, dest, tag);
        if (job.strict && tag >= 0) {
            m.site = SendSites.here();
            m.sync = dest != rank; // a send to oneself is buffered on every engine of jpar
        }
        group.boxes[dest].deliver(m);
        job.progress(jobRank);
        return m;
    }

    /** For {@link Pending#isDone()}: sorts what arrived; @return true if {@code p} got its message */
    boolean poll(Pending p) {
        if (mine.hasIncoming()) {
            mine.progress();
        }
        return p.msg != null;
    }

    /**
     * A blocking receive that did not post itself: it waits for arrivals (or for another thread of this rank to sort
     * some), then looks for its message among the unexpected ones. Cheaper than posting when, as usual, one thread
     * receives.
     */
    private final class Unposted implements Waiting {
        final int source;
        final int tag;
        long seen;
        Msg msg;

        Unposted(int source, int tag, long seen) {
            this.source = source;
            this.tag = tag;
            this.seen = seen;
        }

        @Override
        public boolean done() {
            if (msg == null && (mine.hasIncoming() || mine.sortedToUnexpected() != seen)) {
                seen = mine.sortedToUnexpected();
                msg = mine.take(source, tag, true);
            }
            return msg != null;
        }

        @Override
        public boolean mayEnd() {
            // reads only: taking here would race with the rank's own thread taking, and lose the message
            return msg != null || mine.hasIncoming() || mine.sortedToUnexpected() != seen;
        }

        @Override
        public void parking(Thread t) {
            // woken by senders (deliver) and by sorts that add unexpected messages
        }

        @Override
        public int peer() {
            return source < 0 ? -1 : group.jobRank(source);
        }

        @Override
        public String describe() {
            return "receive(source=" + (source == ANY_SOURCE ? "ANY_SOURCE" : source) + ", tag=" + Waiting.tag(tag)
                    + ")" + group.where(rank);
        }
    }

    /** A blocking probe: waits like a receive that did not post itself, but only looks ({@link Mailbox#peek}). */
    private final class Probing implements Waiting {
        final int source;
        final int tag;
        long seen;
        Msg msg;

        Probing(int source, int tag, long seen) {
            this.source = source;
            this.tag = tag;
            this.seen = seen;
        }

        @Override
        public boolean done() {
            if (msg == null && (mine.hasIncoming() || mine.sortedToUnexpected() != seen)) {
                seen = mine.sortedToUnexpected();
                msg = mine.peek(source, tag);
            }
            return msg != null;
        }

        @Override
        public boolean mayEnd() {
            return msg != null || mine.hasIncoming() || mine.sortedToUnexpected() != seen;
        }

        @Override
        public void parking(Thread t) {
            // woken by senders (deliver) and by sorts that add unexpected messages
        }

        @Override
        public String describe() {
            return "probe(source=" + (source == ANY_SOURCE ? "ANY_SOURCE" : source) + ", tag=" + Waiting.tag(tag)
                    + ")" + group.where(rank);
        }
    }

    private Msg awaitUnposted(Unposted u) {
        if (!u.done()) {
            awaitDone(u, mine, false);
        }
        return u.msg;
    }

    /** For {@code Request.waitAny}: parks until something arrives for this rank or {@code p} completes. */
    void parkForArrival(Pending p, long maxNanos) {
        p.parking(Thread.currentThread());
        mine.park(p, true, maxNanos);
    }

    /** Waits until the receive {@code p} has its message. */
    Msg await(Pending p) {
        if (!p.done()) {
            awaitDone(p, mine, true);
        }
        return p.msg;
    }

    /** Waits until the receiver has copied the large message {@code m}. */
    void awaitTaken(Msg m) {
        if (!m.done()) {
            m.destJobRank = group.jobRank(m.dest);
            awaitDone(m, group.boxes[m.dest], false);
        }
    }

    /**
     * Waits for {@code w}: spins briefly (when ranks have cores to spare), then parks in {@code box} until woken. While
     * it waits it sorts what arrived in {@code box}: a receive sorts its own rank's arrivals, since that is what
     * completes it; a large send sorts its receiver's, so a receive the receiver posted takes it even while the
     * receiver computes or blocks elsewhere (MPI's progress rule).
     */
    private void awaitDone(Waiting w, Mailbox box, boolean receiving) {
        long spin = job.spinNanos;
        if (spin > 0) {
            long start = System.nanoTime();
            int i = 0;
            while (!w.done()) {
                if (box.hasIncoming()) {
                    box.progress();
                    continue;
                }
                Thread.onSpinWait();
                if ((++i & 0x3FF) == 0 && (job.failure() != null || System.nanoTime() - start > spin)) {
                    break;
                }
            }
            if (w.done()) {
                return;
            }
        }
        Thread me = Thread.currentThread();
        w.parking(me);
        job.waiting(jobRank, w, me);
        boolean interrupted = false;
        try {
            while (!w.done()) {
                if (box.hasIncoming()) {
                    box.progress();
                    continue;
                }
                if (job.failure() != null && (!receiving || mine.withdraw((Pending) w))) {
                    throw job.abortedException();
                }
                box.park(w, true); // nobody sleeps while something arrived that it could sort
                // waits are not interruptible (as in MPI); keep the flag for the caller
                interrupted |= Thread.interrupted();
            }
        } finally {
            job.waiting(jobRank, null, me);
            if (interrupted) {
                me.interrupt();
            }
        }
    }

    /** Turns a delivered message into what the receiver asked for. */
    Envelope<Object> open(Msg m, Pending p) {
        return open(m, p.source, p.tag, p.buffer);
    }

    private Envelope<Object> open(Msg m, int source, int tag, Object buffer) {
        if (job.strict) {
            SendSites.opening(m.site);
        }
        Object value;
        switch (m.kind) {
            case Msg.ARRAY:
            case Msg.RENDEZVOUS:
                try {
                    if (buffer == null) {
                        value = m.kind == Msg.ARRAY ? m.data : PrimitiveArrays.copy(m.data);
                    } else if (PrimitiveArrays.fits(m.data, buffer)) {
                        PrimitiveArrays.copyInto(m.data, buffer);
                        value = buffer;
                    } else {
                        throw mismatch(m, source, tag, buffer);
                    }
                } finally {
                    if (m.kind == Msg.RENDEZVOUS) {
                        m.release();
                    }
                }
                break;
            case Msg.RECEIVED:
                value = m.data;
                break;
            case Msg.SHARED:
                if (buffer != null) {
                    throw mismatch(m, source, tag, buffer);
                }
                value = m.data;
                break;
            default:
                if (buffer != null) {
                    throw mismatch(m, source, tag, buffer);
                }
                value = codec().decode((byte[]) m.data);
        }
        return new Envelope<>(value, m.source, m.tag, m.bytes);
    }

    private JparException mismatch(Msg m, int source, int tag, Object buffer) {
        Object sent = m.kind == Msg.ENCODED ? codec().decode((byte[]) m.data) : m.data;
        return PrimitiveArrays.mismatch(source, tag, buffer, sent, m.source, m.tag);
    }

    private Msg prepare(Object message, int dest, int tag) {
        if (PrimitiveArrays.isPrimitiveArray(message)) {
            long bytes = PrimitiveArrays.bytes(message);
            if (bytes > job.eagerLimit && dest != rank) {
                return new Msg(rank, dest, tag, Msg.RENDEZVOUS, message, bytes);
            }
            return new Msg(rank, dest, tag, Msg.ARRAY, PrimitiveArrays.copy(message), bytes);
        }
        if (message == null || IMMUTABLE.contains(message.getClass())) {
            return new Msg(rank, dest, tag, Msg.SHARED, message, -1);
        }
        byte[] bytes = codec().encode(message);
        return new Msg(rank, dest, tag, Msg.ENCODED, bytes, bytes.length);
    }

    /**
     * For the engine's collectives: {@code value} as other ranks may read it, any number of times ({@link #unshare}):
     * itself if immutable (or null), a copy of a primitive array, else its encoding.
     */
    Object shareable(Object value) {
        if (value == null || IMMUTABLE.contains(value.getClass())) {
            return value;
        }
        if (PrimitiveArrays.isPrimitiveArray(value)) {
            return PrimitiveArrays.copy(value);
        }
        return new Encoded(codec().encode(value));
    }

    /** @return the bytes {@link #shareable} made of a value, or 0 for an immutable one (shared as it is) */
    long sharedBytes(Object shared) {
        if (shared instanceof Encoded e) {
            return e.bytes().length;
        }
        return PrimitiveArrays.isPrimitiveArray(shared) ? PrimitiveArrays.bytes(shared) : 0;
    }

    /** @return this rank's own copy of what {@link #shareable} made (in this rank's class loader) */
    Object unshare(Object shared) {
        if (shared instanceof Encoded e) {
            return codec().decode(e.bytes());
        }
        if (PrimitiveArrays.isPrimitiveArray(shared)) {
            return PrimitiveArrays.copy(shared);
        }
        return shared;
    }

    /** An object's encoding, staged for other ranks. */
    private record Encoded(byte[] bytes) {
    }

    private ObjectCodec codec() {
        ObjectCodec c = codec;
        if (c == null) {
            synchronized (this) {
                if (codec == null) {
                    codec = new ObjectCodec(loader, "rank " + rank);
                }
                c = codec;
            }
        }
        return c;
    }

    /** A send in progress: done at once when eager, when the receiver took it for rendezvous. */
    private record SendRequest(ThreadsTransport owner, Msg msg) implements Request<Void>, org.jpar.spi.ProgressWait {
        /** Sleeps until the receiver took the large message (it unparks its sender), at most {@code maxNanos}. */
        @Override
        public void parkForProgress(long maxNanos) {
            if (msg != null && !msg.taken) {
                msg.parking(Thread.currentThread());
                if (!msg.taken) {
                    java.util.concurrent.locks.LockSupport.parkNanos(msg, maxNanos);
                }
            }
        }

        @Override
        public Void await() {
            if (msg != null) {
                owner.awaitTaken(msg);
            }
            return null;
        }

        @Override
        public Envelope<Void> awaitEnvelope() {
            await();
            return msg == null ? new Envelope<>(null, -1, -1, 0) : new Envelope<>(null, msg.source, msg.tag, msg.bytes);
        }

        @Override
        public boolean isDone() {
            return msg == null || msg.taken;
        }
    }
}
