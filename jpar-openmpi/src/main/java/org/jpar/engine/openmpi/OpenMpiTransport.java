package org.jpar.engine.openmpi;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;
import org.jpar.internal.MpiWire;
import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.internal.ProbedHeads;
import org.jpar.internal.RankProcess;
import org.jpar.spi.Collectives;
import org.jpar.spi.PendingHeads;
import org.jpar.spi.Transport;

/**
 * This process's endpoint into {@code MPI_COMM_WORLD}, in the {@link MpiWire} format. Three duplicates of the world
 * communicator keep traffic apart: user messages (tags as given, so {@code ANY_TAG} sees only them), jpar's
 * collectives (internal tag {@code t < 0} as MPI tag {@code -t}; native barrier, and native broadcast for large
 * values), and the rests of chunked messages (tagged with a sequence number). Sends to this rank itself never block (they complete when
 * received), so a rank may send itself a message of any size before receiving it.
 *
 * <p>Thread safety ({@code -Djpar.openmpi.threads}): {@code multiple} (the default) asks for
 * {@code MPI_THREAD_MULTIPLE}, and every call goes straight to MPI from any thread. {@code single} initializes MPI
 * without thread support ({@code MPI_THREAD_SINGLE}, what {@code MPI.Init} gives): only the thread that started MPI
 * may communicate (others get a clear error), and a small message takes 40-60 ns less here (Open MPI 4.1 costs
 * the same at every level above single). {@code serialized}, or an MPI without {@code MPI_THREAD_MULTIPLE}: one
 * lock serializes the calls, and blocking operations become nonblocking ones tested with the lock released between
 * tests, so one blocked thread never stops the others.
 *
 * <p>Progress (MPI-4.0 §3.7.4): a message larger than one landing buffer travels as a head and a rest, and the
 * rest's receive can only be posted once the head has arrived. So while an {@code ireceive} waits for its head, every
 * blocking call of this rank (send, receive, barrier, broadcast, await) runs as a nonblocking operation tested in
 * turn with those receives, and posts their rests as their heads arrive: a posted receive lets its matching send
 * complete whatever blocking call the receiver sits in. Without such receives, blocking calls go straight to MPI.
 *
 * <p>Request lifetime: every nonblocking operation stays in {@link #outstanding}, with the buffers MPI reads or
 * writes, until MPI reports it complete, whatever the user does with its {@link Request} (as in MPI, dropping a
 * request neither cancels the operation nor frees what it uses).
 */
final class OpenMpiTransport implements RankProcess.World {
    private Collectives collectives;
    /** Per-thread staging buffers up to this size are kept for reuse; larger ones are left to the GC. */
    private static final int RETAIN = 8 << 20;
    /** Dropped requests are tested (and forgotten once complete) when this many are outstanding, or twice the rest. */
    private static final int SWEEP_MIN = 64;

    private final Object world;
    private final Object user;
    private final Object internal;
    private final Object bulk;
    private final Object byteType;
    /** The datatype of a chunked message's rest, by kind ({@link MpiWire#restType}). */
    private final Object[] restTypes = new Object[MpiWire.LIST_DOUBLE + 1];
    private final int anySource;
    private final int anyTag;
    private final long sequenceModulus;
    private final int rank;
    private final int size;
    private final String processorName;
    private final ObjectCodec codec;
    /** True to call MPI's blocking operations directly (multiple, single); false to serialize (own lock). */
    private final boolean multiple;
    /** The only thread allowed to communicate (single), or null. */
    private final Thread owner;
    private final ReentrantLock serial = new ReentrantLock();
    private final AtomicInteger sequence = new AtomicInteger();
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final Queue<ByteBuffer> landings = new ConcurrentLinkedQueue<>();
    private final Queue<SendRequest> selfSends = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sweeping = new ReentrantLock();
    /**
     * Nonblocking receives whose head has not arrived, of every communicator of this rank (the world's, shared):
     * blocking calls test them, and a helper while a thread blocks in MPI (see the class comment).
     */
    private final PendingHeads<ReceiveRequest> awaitingHead;
    /** Every nonblocking operation MPI has not completed: keeps it and its buffers reachable until then. */
    private final Set<Outstanding> outstanding = ConcurrentHashMap.newKeySet();
    private volatile int sweepAt = SWEEP_MIN;
    private volatile boolean closed;
    private volatile boolean finalized;
    /** The world endpoint this one was split from (itself for the world): MPI_Abort and MPI_Finalize are its. */
    private final OpenMpiTransport root;
    /** Heads of user messages a probe received from MPI before their receive, in arrival order (see probe). */
    private final ProbedHeads<ByteBuffer> probed = new ProbedHeads<>();

    /**
     * One thread's reusable buffers and message holders. Its blocking sends and receives never overlap, so one
     * buffer serves both: measured here, a second one costs up to 20% at 8-64 KiB (more memory between the cores).
     */
    private static final class Scratch {
        final ByteBuffer io = MpiWire.direct(MpiWire.MESSAGE);
        final MpiWire.Out prepared = new MpiWire.Out();
        final MpiWire.In received = new MpiWire.In();
        ByteBuffer staging;

        /** @return a direct buffer of at least {@code bytes}, this thread's own while it uses it */
        ByteBuffer staging(long bytes) {
            int n = (int) bytes;
            ByteBuffer b = staging;
            if (b != null && b.capacity() >= n) {
                return b;
            }
            b = MpiWire.direct(n);
            if (n <= RETAIN) {
                staging = b;
            }
            return b;
        }
    }

    /** @param threads {@code multiple}, {@code single} or {@code serialized} */
    OpenMpiTransport(String threads) {
        String level;
        switch (threads) {
            case "multiple":
                level = "THREAD_MULTIPLE";
                break;
            case "single":
                level = "THREAD_SINGLE";
                break;
            case "serialized":
                level = "THREAD_SERIALIZED";
                break;
            default:
                throw new JparException("-Djpar.openmpi.threads=" + threads + " is not a thread level: choose "
                        + "multiple (the default: any thread), single (only the thread that starts MPI) or "
                        + "serialized (jpar serializes the calls)");
        }
        int provided = Mpi.initThread(new String[0], Mpi.intConstant(level));
        boolean single = threads.equals("single");
        multiple = single || provided >= Mpi.intConstant("THREAD_MULTIPLE");
        owner = single ? Thread.currentThread() : null;
        world = Mpi.constant("COMM_WORLD");
        rank = Mpi.rank(world);
        size = Mpi.size(world);
        Object errorsReturn = Mpi.constant("ERRORS_RETURN");
        user = Mpi.dup(world);
        internal = Mpi.dup(world);
        bulk = Mpi.dup(world);
        for (Object c : new Object[] {user, internal, bulk}) {
            Mpi.setErrhandler(c, errorsReturn);
        }
        byteType = Mpi.constant("BYTE");
        for (byte k = 0; k < restTypes.length; k++) {
            restTypes[k] = Mpi.constant(MpiWire.restType(k));
        }
        anySource = Mpi.intConstant("ANY_SOURCE");
        anyTag = Mpi.intConstant("ANY_TAG");
        Object tagUb = Mpi.attr(world, Mpi.intConstant("TAG_UB"));
        sequenceModulus = (tagUb instanceof Integer ub && ub >= Short.MAX_VALUE ? ub : Short.MAX_VALUE) + 1L;
        processorName = Mpi.processorName();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        codec = new ObjectCodec(loader != null ? loader : OpenMpiTransport.class.getClassLoader(), "rank " + rank);
        root = this;
        awaitingHead = new PendingHeads<>("jpar-progress-rank-" + rank);
    }

    /**
     * An endpoint into a communicator made from {@code parent}'s by split or dup: {@code user} is the new user
     * communicator, the internal and bulk ones are duplicates of it (collective over the new group, as MPI_Comm_dup).
     */
    private OpenMpiTransport(OpenMpiTransport parent, Object user) {
        this.multiple = parent.multiple;
        this.owner = parent.owner;
        this.world = parent.world;
        this.root = parent.root;
        this.awaitingHead = root.awaitingHead;
        this.user = user;
        this.internal = call(() -> Mpi.dup(user));
        this.bulk = call(() -> Mpi.dup(user));
        Object errorsReturn = Mpi.constant("ERRORS_RETURN");
        for (Object c : new Object[] {user, internal, bulk}) {
            call(() -> {
                Mpi.setErrhandler(c, errorsReturn);
                return null;
            });
        }
        this.rank = Mpi.rank(user);
        this.size = Mpi.size(user);
        this.byteType = parent.byteType;
        System.arraycopy(parent.restTypes, 0, restTypes, 0, restTypes.length);
        this.anySource = parent.anySource;
        this.anyTag = parent.anyTag;
        this.sequenceModulus = parent.sequenceModulus;
        this.processorName = parent.processorName;
        this.codec = parent.codec;
    }

    /** Runs an MPI call directly (multiple, single) or under the lock (serialized). */
    private Object call(Call c) {
        return multiple ? c.run() : locked(c);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String processorName() {
        return processorName;
    }

    @Override
    public String engineName() {
        return OpenMpiEngine.NAME;
    }

    /** Single: only the thread that started MPI may communicate. */
    private void checkThread() {
        if (owner != null && Thread.currentThread() != owner) {
            throw new JparException("thread " + Thread.currentThread().getName() + " cannot communicate: with "
                    + "-Djpar.openmpi.threads=single only the thread that started MPI (" + owner.getName()
                    + ") may; leave the setting at its default (multiple) to communicate from several threads");
        }
    }

    // ---------------------------------------------------------------- point to point

    @Override
    public void send(Object message, int dest, int tag) {
        checkThread();
        if (dest == rank) {
            sendToSelf(message, tag);
            return;
        }
        Scratch s = scratch.get();
        MpiWire.Out o = s.prepared;
        MpiWire.prepare(o, message, codec);
        Object comm = comm(tag);
        int mpiTag = mpiTag(tag);
        try {
            if (o.plain()) {
                ByteBuffer b = s.io;
                int n = (int) o.bytes;
                MpiWire.plainHeader(b, o.kind, n);
                MpiWire.writePayload(b, MpiWire.HEADER, o, 0, n);
                send(comm, b, MpiWire.HEADER + n, dest, mpiTag);
            } else {
                int seq = nextSequence();
                ByteBuffer b = s.io;
                MpiWire.chunkHeader(b, o.kind, seq, o.bytes, MpiWire.HEAD_PAYLOAD);
                MpiWire.writePayload(b, MpiWire.CHUNK_HEADER, o, 0, MpiWire.HEAD_PAYLOAD);
                send(comm, b, MpiWire.CHUNK_HEADER + MpiWire.HEAD_PAYLOAD, dest, mpiTag);
                int restBytes = (int) (o.bytes - MpiWire.HEAD_PAYLOAD);
                int size = MpiWire.elementBytes(o.kind);
                // the rest straight from the array (the bindings copy it natively), else through a direct buffer
                Object rest = straight() ? MpiWire.heapSlice(o.data, MpiWire.HEAD_PAYLOAD / size, restBytes / size) : null;
                if (rest == null) {
                    ByteBuffer staged = s.staging(restBytes);
                    MpiWire.writePayload(staged, 0, o, MpiWire.HEAD_PAYLOAD, restBytes);
                    rest = staged;
                }
                sendRest(rest, restBytes / size, o.kind, dest, seq);
            }
        } finally {
            o.data = null;
        }
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        checkThread();
        if (!probed.isEmpty()) {
            ProbedHeads.Head<ByteBuffer> p = probed.take(source, tag);
            if (p != null) {
                return openProbed(p, buffer, source, tag);
            }
        }
        Scratch s = scratch.get();
        ByteBuffer b = s.io;
        Object status = recv(comm(tag), b, MpiWire.MESSAGE, source == ANY_SOURCE ? anySource : source,
                tag == ANY_TAG ? anyTag : mpiTag(tag));
        MpiWire.In in = s.received;
        int seq = in.readHeader(b);
        in.source = Mpi.source(status);
        in.tag = tag < 0 && tag != ANY_TAG ? tag : Mpi.tag(status);
        try {
            if (seq >= 0) {
                receiveRest(s, in, seq, buffer);
            }
            return open(in, buffer, source, tag);
        } finally {
            in.clear();
        }
    }

    /**
     * Receives the rest of a chunked message: straight into the array the value ends up in
     * ({@link MpiWire.In#restTarget}) through the bindings' array path, or into a direct buffer.
     */
    private void receiveRest(Scratch s, MpiWire.In in, int seq, Object buffer) {
        Object whole = straight() ? in.restTarget(buffer) : null;
        java.nio.Buffer slice = whole == null ? null : MpiWire.heapSlice(whole, in.headElements(), in.restElements());
        if (slice != null) {
            MpiWire.copyOut(in.head, in.headAt, whole, 0, in.headLen);
            recvRest(slice, in.restElements(), in.kind, in.source, seq);
            in.whole = whole;
        } else {
            ByteBuffer rest = s.staging(in.restLen());
            recvRest(rest, in.restElements(), in.kind, in.source, seq);
            in.rest = rest;
        }
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        checkThread();
        sweepIfMany();
        SendRequest r = post(message, dest, tag);
        if (dest == rank) {
            selfSends.add(r);
        }
        return r;
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        checkThread();
        if (!probed.isEmpty()) {
            ProbedHeads.Head<ByteBuffer> p = probed.take(source, tag);
            if (p != null) {
                try {
                    return new MpiWire.Received(openProbed(p, buffer, source, tag), null);
                } catch (RuntimeException e) {
                    return new MpiWire.Received(null, e);
                }
            }
        }
        sweepIfMany();
        ByteBuffer landing = landing();
        Object request = irecv(comm(tag), landing, MpiWire.MESSAGE, source == ANY_SOURCE ? anySource : source,
                tag == ANY_TAG ? anyTag : mpiTag(tag));
        ReceiveRequest r = new ReceiveRequest(request, landing, buffer, source, tag);
        outstanding.add(r);
        awaitingHead.add(r);
        return r;
    }

    /** A send to this rank: posted nonblocking and completed when received, so it never deadlocks. */
    private void sendToSelf(Object message, int tag) {
        selfSends.add(post(message, rank, tag));
        sweepSelfSends();
    }

    /** Forgets the self-sends that are complete (their buffers go back to the pool). */
    private void sweepSelfSends() {
        if (selfSends.isEmpty() || !sweeping.tryLock()) {
            return;
        }
        try {
            for (Iterator<SendRequest> it = selfSends.iterator(); it.hasNext(); ) {
                if (it.next().isDone()) {
                    it.remove();
                }
            }
        } finally {
            sweeping.unlock();
        }
    }

    /** Posts a nonblocking send of {@code message} from its own buffer. */
    private SendRequest post(Object message, int dest, int tag) {
        MpiWire.Out o = new MpiWire.Out();
        MpiWire.prepare(o, message, codec);
        Object comm = comm(tag);
        int mpiTag = mpiTag(tag);
        if (o.plain()) {
            ByteBuffer b = landing();
            int n = (int) o.bytes;
            MpiWire.plainHeader(b, o.kind, n);
            MpiWire.writePayload(b, MpiWire.HEADER, o, 0, n);
            return track(new SendRequest(isend(comm, b, MpiWire.HEADER + n, dest, mpiTag), null, b, true));
        }
        int seq = nextSequence();
        ByteBuffer b = MpiWire.direct((int) (MpiWire.CHUNK_HEADER + o.bytes));
        MpiWire.chunkHeader(b, o.kind, seq, o.bytes, MpiWire.HEAD_PAYLOAD);
        MpiWire.writePayload(b, MpiWire.CHUNK_HEADER, o, 0, (int) o.bytes);
        int headMessage = MpiWire.CHUNK_HEADER + MpiWire.HEAD_PAYLOAD;
        int rest = (int) (o.bytes - MpiWire.HEAD_PAYLOAD);
        Object head = isend(comm, b, headMessage, dest, mpiTag);
        Object tail = isendTyped(bulk, b.slice(headMessage, rest), rest / MpiWire.elementBytes(o.kind),
                restTypes[o.kind], dest, seq);
        return track(new SendRequest(head, tail, b, false));
    }

    private SendRequest track(SendRequest r) {
        outstanding.add(r);
        return r;
    }

    /**
     * Tests the outstanding operations when there are many (requests the user dropped or never awaited), forgetting
     * the complete ones, so their buffers go.
     */
    private void sweepIfMany() {
        if (outstanding.size() < sweepAt) {
            return;
        }
        for (Outstanding r : outstanding) {
            r.tryAdvance();
        }
        sweepAt = Math.max(SWEEP_MIN, 2 * outstanding.size());
    }

    /**
     * @return true when blocking calls may go straight to MPI's blocking operations: MPI may be called from any
     *         thread and no nonblocking receive waits for its head
     */
    private boolean straight() {
        return multiple && awaitingHead.isEmpty();
    }

    /** Tests every nonblocking receive that waits for its head (but {@code self}), posting the rests that arrived. */
    private void progress(Object self) {
        awaitingHead.progress(self);
    }

    /** Turns a received message into what the receiver asked for: a new value, or its buffer filled. */
    private Envelope<Object> open(MpiWire.In in, Object buffer, int source, int tag) {
        if (buffer == null) {
            return new Envelope<>(in.value(codec), in.source, in.tag, in.bytes);
        }
        if (in.kind == MpiWire.arrayKind(buffer.getClass())
                && in.elements() <= java.lang.reflect.Array.getLength(buffer)) {
            in.copyTo(buffer);
            return new Envelope<>(buffer, in.source, in.tag, in.bytes);
        }
        Object sent = in.value(codec);
        throw PrimitiveArrays.mismatch(source, tag, buffer, sent, in.source, in.tag);
    }

    private Object comm(int tag) {
        return tag >= 0 || tag == ANY_TAG ? user : internal;
    }

    private static int mpiTag(int tag) {
        return tag >= 0 ? tag : -tag;
    }

    private int nextSequence() {
        return (int) ((sequence.getAndIncrement() & 0xFFFFFFFFL) % sequenceModulus);
    }

    private ByteBuffer landing() {
        ByteBuffer b = landings.poll();
        return b != null ? b : MpiWire.direct(MpiWire.MESSAGE);
    }

    // ---------------------------------------------------------------- collectives

    void barrier() {
        checkThread();
        // always the nonblocking barrier: MPI never matches a blocking collective with a nonblocking one, and a rank
        // with receives awaiting their heads must test them while it waits
        complete(multiple ? Mpi.ibarrier(internal) : locked(() -> Mpi.ibarrier(internal)), null);
    }

    /**
     * Broadcast in two parts, each where it is fastest (measured here, at 2 and 4 ranks): the message goes down a
     * binomial tree of point-to-point messages (the received bytes are forwarded as they are, never decoded on the
     * way); a value larger than one message leaves only its header in the tree, and its payload follows in one native
     * {@code MPI_Bcast}. Native broadcast alone cost a third more for small values; the tree alone 1.4-1.6 times as
     * much for 800 KB.
     */
    Object broadcast(Object message, int root) {
        checkThread();
        if (size == 1) {
            return message;
        }
        Scratch s = scratch.get();
        ByteBuffer b = s.io;
        MpiWire.Out o = s.prepared;
        MpiWire.In in = s.received;
        int tag = -Collectives.TAG_BROADCAST;
        int rel = (rank - root + size) % size;
        try {
            int count;
            int mask = 1;
            if (rank == root) {
                MpiWire.prepare(o, message, codec);
                if (o.plain()) {
                    MpiWire.plainHeader(b, o.kind, (int) o.bytes);
                    MpiWire.writePayload(b, MpiWire.HEADER, o, 0, (int) o.bytes);
                    count = MpiWire.HEADER + (int) o.bytes;
                } else {
                    MpiWire.chunkHeader(b, o.kind, 0, o.bytes, 0);
                    count = MpiWire.CHUNK_HEADER;
                }
                while (mask < size) {
                    mask <<= 1;
                }
            } else {
                while ((rel & mask) == 0) {
                    mask <<= 1;
                }
                recv(internal, b, MpiWire.MESSAGE, (rel - mask + root) % size, tag);
                count = in.readHeader(b) < 0 ? MpiWire.HEADER + in.headLen : MpiWire.CHUNK_HEADER;
            }
            for (mask >>= 1; mask > 0; mask >>= 1) {
                if (rel + mask < size) {
                    send(internal, b, count, (rel + mask + root) % size, tag);
                }
            }
            if (rank == root) {
                if (!o.plain()) {
                    broadcastPayload(s, o.kind, o.bytes, o, root);
                }
                return message;
            }
            in.source = root;
            in.tag = -1;
            if (in.headLen < in.bytes) {
                broadcastPayload(s, in.kind, in.bytes, null, root);
            }
            return in.value(codec);
        } finally {
            o.data = null;
            in.clear();
        }
    }

    /**
     * The payload of a large broadcast value, in one native broadcast from a direct buffer (measured here, the
     * bindings' array path is a third slower for a broadcast), typed by its kind.
     */
    private void broadcastPayload(Scratch s, byte kind, long bytes, MpiWire.Out root, int rootRank) {
        int elements = (int) (bytes / MpiWire.elementBytes(kind));
        ByteBuffer staged = s.staging(bytes);
        if (root != null) {
            MpiWire.writePayload(staged, 0, root, 0, (int) bytes);
        }
        // nonblocking, for the reasons given in barrier()
        complete(multiple ? Mpi.ibcast(internal, staged, elements, restTypes[kind], rootRank)
                : locked(() -> Mpi.ibcast(internal, staged, elements, restTypes[kind], rootRank)), null);
        if (root == null) {
            s.received.rest = staged;
        }
    }

    // ---------------------------------------------------------------- native collectives (OpenMpiCollectives)

    /** @return the communicator jpar's collectives run on (this transport's own, so split ones keep theirs) */
    Object collectiveComm() {
        return internal;
    }

    /**
     * @return true to call Open MPI's blocking collectives (thread level multiple), false for the nonblocking ones
     *         completed by {@link #awaitCollective} (single: another thread may not call MPI to keep posted receives
     *         moving; serialized: jpar's lock may not be held while blocked). The same on every rank of a job: MPI
     *         never matches a blocking collective with a nonblocking one.
     */
    boolean blockingCollectives() {
        return multiple && owner == null;
    }

    /** Checks the calling thread may communicate (thread level single). */
    void checkCollectiveThread() {
        checkThread();
    }

    /** Starts a nonblocking native collective ({@code post} returns its {@code Request}) under jpar's lock if any. */
    Object startCollective(java.util.function.Supplier<Object> post) {
        return multiple ? post.get() : locked(post::get);
    }

    /** Waits for a nonblocking native collective, moving posted receives on meanwhile (see {@link #barrier()}). */
    void awaitCollective(Object request) {
        complete(request, null);
    }

    /**
     * Brackets a blocking native collective: while this thread is inside MPI, posted receives awaiting their heads
     * still need their rests posted (the class comment, Progress), so a helper thread does that for as long as the
     * collective lasts and such receives exist.
     */
    void enterBlockingCollective() {
        awaitingHead.enterBlocking();
    }

    void exitBlockingCollective() {
        awaitingHead.exitBlocking();
    }

    /** Runs one blocking native collective between {@link #enterBlockingCollective()} and its exit. */
    void blockingCollective(Runnable call) {
        enterBlockingCollective();
        try {
            call.run();
        } finally {
            exitBlockingCollective();
        }
    }

    // ---------------------------------------------------------------- probes

    /**
     * {@code MPI_Probe}/{@code MPI_Iprobe} on the user communicator, then the head of the message it found is received
     * at once (with the exact source and tag, so MPI's ordering makes it that message) and kept until a receive takes
     * it: its jpar header gives the size and the type, which MPI's status alone does not. Receives look at the kept
     * heads first; those are earlier than anything still in MPI from the same source, so the order stays MPI's.
     */
    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        checkThread();
        Envelope<Void> kept = probed.find(source, tag);
        if (kept != null) {
            return kept;
        }
        int src = source == ANY_SOURCE ? anySource : source;
        int t = tag == ANY_TAG ? anyTag : tag;
        Object status;
        if (block && straight()) {
            status = Mpi.Comms.probe(user, src, t);
        } else {
            status = call(() -> Mpi.Comms.iprobe(user, src, t));
            for (int i = 0; status == null && block; i++) {
                progress(null);
                if (i < 1000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                status = call(() -> Mpi.Comms.iprobe(user, src, t));
            }
            if (status == null) {
                return null;
            }
        }
        int from = Mpi.source(status);
        int sentTag = Mpi.tag(status);
        ByteBuffer head = landing();
        recv(user, head, MpiWire.MESSAGE, from, sentTag);
        MpiWire.In in = new MpiWire.In();
        in.readHeader(head);
        Envelope<Void> e = new Envelope<>(null, from, sentTag, in.bytes, in.typeName());
        probed.add(new ProbedHeads.Head<>(head, from, sentTag, e));
        return e;
    }

    /** Receives what follows a kept head (the rest of a chunked message) and opens the message. */
    private Envelope<Object> openProbed(ProbedHeads.Head<ByteBuffer> p, Object buffer, int source, int tag) {
        Scratch s = scratch.get();
        MpiWire.In in = new MpiWire.In();
        int seq = in.readHeader(p.buffer());
        in.source = p.source();
        in.tag = p.tag();
        try {
            if (seq >= 0) {
                receiveRest(s, in, seq, buffer);
            }
            return open(in, buffer, source, tag);
        } finally {
            in.clear();
            landings.add(p.buffer());
        }
    }

    // ---------------------------------------------------------------- communicators

    /**
     * {@code MPI_Comm_split} of the user communicator (collective over this group), then two duplicates of the new one
     * for jpar's collectives and the rests of large messages, as the world has. UNDEFINED gets no communicator.
     */
    @Override
    public Transport split(int color, int key) {
        checkThread();
        int c = color == org.jpar.Par.UNDEFINED ? Mpi.intConstant("UNDEFINED") : color;
        Object made = call(() -> Mpi.Comms.split(user, c, key));
        if (Mpi.Comms.isNull(made)) {
            return null;
        }
        return new OpenMpiTransport(this, made);
    }

    /** {@code MPI_Comm_dup} of the user communicator (collective), and its two duplicates. */
    @Override
    public Transport dup() {
        checkThread();
        return new OpenMpiTransport(this, call(() -> Mpi.dup(user)));
    }

    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new OpenMpiCollectives(this);
            collectives = c;
        }
        return c;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Ends this rank's communication, without waiting for the other ranks: {@code MPI_Finalize} waits for every rank
     * to finalize, so it runs only when the process ends normally ({@link #finalizeMpi()}, from
     * {@link OpenMpiEngine}). A rank that fails after this (say, an exception passing through try-with-resources)
     * can still stop the job with {@code MPI_Abort}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        selfSends.clear(); // never received: nothing waits for them any more
        if (root == this) {
            awaitingHead.close(); // its helper ends
        }
        if (root != this && !root.isFinalized()) {
            // MPI_Comm_free: local in Open MPI (operations still pending complete first, as MPI says)
            for (Object c : new Object[] {user, internal, bulk}) {
                call(() -> {
                    Mpi.Comms.free(c);
                    return null;
                });
            }
        }
    }

    /** @return true once {@link #close()} ended this rank's communication */
    @Override
    public boolean isClosed() {
        return closed;
    }

    /** {@code MPI_Finalize}, once (blocks until every rank finalizes); closes first. */
    @Override
    public void finalizeMpi() {
        close();
        synchronized (this) {
            if (finalized) {
                return;
            }
            finalized = true;
        }
        Mpi.finish();
    }

    /** @return true once {@link #finalizeMpi()} ran: MPI can no longer abort the job */
    @Override
    public boolean isFinalized() {
        return finalized;
    }

    /** Stops the whole job: {@code MPI_Abort} on the world communicator (does not return when it works). */
    @Override
    public void abortJob(int code) {
        Mpi.abort(world, code);
    }

    /**
     * {@code abort(code)} from the program: one line naming the rank (in the world) and the code, then
     * {@code MPI_Abort} with the code's exit status, which mpirun (and {@code jpar run}) exits with.
     */
    @Override
    public void abort(int code) {
        OpenMpiEngine.aborted(root, code, Transport.exitStatus(code));
    }

    // ---------------------------------------------------------------- MPI calls, serialized when needed

    private interface Call {
        Object run();
    }

    private Object locked(Call call) {
        serial.lock();
        try {
            return call.run();
        } finally {
            serial.unlock();
        }
    }

    private void send(Object comm, ByteBuffer b, int count, int dest, int tag) {
        if (straight()) {
            Mpi.send(comm, b, count, byteType, dest, tag);
        } else {
            complete(isend(comm, b, count, dest, tag), null);
        }
    }

    private Object recv(Object comm, ByteBuffer b, int count, int source, int tag) {
        if (straight()) {
            return Mpi.recv(comm, b, count, byteType, source, tag);
        }
        return complete(irecv(comm, b, count, source, tag), null);
    }

    private Object isend(Object comm, ByteBuffer b, int count, int dest, int tag) {
        return isendTyped(comm, b, count, byteType, dest, tag);
    }

    private Object irecv(Object comm, ByteBuffer b, int count, int source, int tag) {
        return irecvTyped(comm, b, count, byteType, source, tag);
    }

    private Object isendTyped(Object comm, ByteBuffer b, int count, Object type, int dest, int tag) {
        return multiple ? Mpi.isend(comm, b, count, type, dest, tag)
                : locked(() -> Mpi.isend(comm, b, count, type, dest, tag));
    }

    private Object irecvTyped(Object comm, ByteBuffer b, int count, Object type, int source, int tag) {
        return multiple ? Mpi.irecv(comm, b, count, type, source, tag)
                : locked(() -> Mpi.irecv(comm, b, count, type, source, tag));
    }

    /** Sends a chunked message's rest: a heap slice of the sender's array (blocking only), or a direct buffer. */
    private void sendRest(Object rest, int elements, byte kind, int dest, int seq) {
        if (!isDirect(rest) || straight()) {
            Mpi.send(bulk, rest, elements, restTypes[kind], dest, seq);
        } else {
            complete(isendTyped(bulk, (ByteBuffer) rest, elements, restTypes[kind], dest, seq), null);
        }
    }

    /** Receives a chunked message's rest into a heap slice of the final array (blocking only), or a direct buffer. */
    private void recvRest(Object rest, int elements, byte kind, int source, int seq) {
        if (!isDirect(rest) || straight()) {
            Mpi.recv(bulk, rest, elements, restTypes[kind], source, seq);
        } else {
            complete(irecvTyped(bulk, (ByteBuffer) rest, elements, restTypes[kind], source, seq), null);
        }
    }

    private static boolean isDirect(Object buffer) {
        return buffer instanceof ByteBuffer b && b.isDirect();
    }

    /** @return the request's status if it is complete, else null */
    private Object test(Object request) {
        return multiple ? Mpi.testStatus(request) : locked(() -> Mpi.testStatus(request));
    }

    /**
     * Waits for {@code request}: in MPI's wait, or (serialized, or while nonblocking receives other than {@code self}
     * wait for their heads) by testing it in turn with those receives, with the lock released in between.
     */
    private Object complete(Object request, Object self) {
        if (multiple && awaitingHead.noneBut(self)) {
            return Mpi.waitStatus(request);
        }
        for (int i = 0; ; i++) {
            Object status = test(request);
            if (status != null) {
                return status;
            }
            progress(self);
            if (i < 1000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    // ---------------------------------------------------------------- requests

    /** A nonblocking operation MPI may not have completed yet. */
    private interface Outstanding {
        /** Moves the operation on without blocking, unless another thread is at it. */
        void tryAdvance();
    }

    /** A nonblocking send: one request (plain) or two (head and rest), and the buffer they read. */
    private final class SendRequest implements Request<Void>, Outstanding {
        private final ReentrantLock lock = new ReentrantLock();
        private final boolean pooled;
        private Object head;
        private Object tail;
        private ByteBuffer buffer;
        private RuntimeException failure;

        SendRequest(Object head, Object tail, ByteBuffer buffer, boolean pooled) {
            this.head = head;
            this.tail = tail;
            this.buffer = buffer;
            this.pooled = pooled;
        }

        @Override
        public Void await() {
            awaitEnvelope();
            return null;
        }

        @Override
        public Envelope<Void> awaitEnvelope() {
            checkThread();
            lock.lock();
            try {
                if (failure != null) {
                    throw failure;
                }
                if (head != null) {
                    complete(head, null);
                    head = null;
                }
                if (tail != null) {
                    complete(tail, null);
                    tail = null;
                }
                release();
                return new Envelope<>(null, -1, -1, 0);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isDone() {
            checkThread();
            boolean done;
            lock.lock();
            try {
                if (failure != null) {
                    throw failure;
                }
                done = poll();
            } finally {
                lock.unlock();
            }
            if (!done) {
                awaitingHead.progressFromTest(this); // as MPI_Test moves every pending operation on
            }
            return done;
        }

        @Override
        public void tryAdvance() {
            if (lock.tryLock()) {
                try {
                    if (failure == null) {
                        poll();
                    }
                } catch (RuntimeException e) {
                    failure = e;
                    outstanding.remove(this); // MPI failed it: nothing reads the buffer any more
                } finally {
                    lock.unlock();
                }
            }
        }

        private boolean poll() {
            if (head != null && test(head) != null) {
                head = null;
            }
            if (head == null && tail != null && test(tail) != null) {
                tail = null;
            }
            if (head == null && tail == null) {
                release();
                return true;
            }
            return false;
        }

        /** MPI completed the send: the buffer goes back to the pool, and the engine forgets the request. */
        private void release() {
            if (buffer != null) {
                if (pooled) {
                    landings.add(buffer);
                }
                buffer = null;
                outstanding.remove(this);
            }
        }
    }

    /**
     * A nonblocking receive: the head lands in its own buffer; the rest of a chunked message follows into a direct
     * buffer, posted by whichever thread sees the head arrive (see the class comment).
     */
    private final class ReceiveRequest implements Request<Object>, Outstanding, PendingHeads.Pending {
        private final ReentrantLock lock = new ReentrantLock();
        private final int source;
        private final int tag;
        private final Object buffer;
        private Object head;
        private ByteBuffer landing;
        private Object tail;
        private ByteBuffer rest;
        private MpiWire.In in;
        /** True once MPI delivered the whole message (into {@link #landing} and {@link #rest}). */
        private boolean arrived;
        private Envelope<Object> result;
        private RuntimeException failure;

        ReceiveRequest(Object head, ByteBuffer landing, Object buffer, int source, int tag) {
            this.head = head;
            this.landing = landing;
            this.buffer = buffer;
            this.source = source;
            this.tag = tag;
        }

        @Override
        public Object await() {
            return awaitEnvelope().value();
        }

        @Override
        public Envelope<Object> awaitEnvelope() {
            checkThread();
            lock.lock();
            try {
                if (failure == null && transfer(true)) {
                    open();
                }
                if (failure != null) {
                    throw failure;
                }
                return result;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isDone() {
            checkThread();
            boolean done;
            lock.lock();
            try {
                if (failure == null && transfer(false)) {
                    open();
                }
                done = result != null || failure != null;
            } finally {
                lock.unlock();
            }
            if (!done) {
                awaitingHead.progressFromTest(this); // as MPI_Test moves every pending operation on
            }
            return done;
        }

        @Override
        public void tryAdvance() {
            if (lock.tryLock()) {
                try {
                    if (failure == null) {
                        transfer(false);
                    }
                } catch (RuntimeException e) {
                    failure = e;
                    awaitingHead.remove(this);
                    outstanding.remove(this);
                } finally {
                    lock.unlock();
                }
            }
        }

        /** Moves the transfer on (blocking or not). @return true once MPI delivered the whole message */
        private boolean transfer(boolean block) {
            if (arrived) {
                return true;
            }
            if (head != null) {
                Object status = block ? complete(head, this) : test(head);
                if (status == null) {
                    return false;
                }
                head = null;
                in = new MpiWire.In();
                int seq = in.readHeader(landing);
                in.source = Mpi.source(status);
                in.tag = tag < 0 && tag != ANY_TAG ? tag : Mpi.tag(status);
                if (seq >= 0) {
                    rest = MpiWire.direct(in.restLen());
                    tail = irecvTyped(bulk, rest, in.restElements(), restTypes[in.kind], in.source, seq);
                }
                awaitingHead.remove(this); // only now: its rest's receive is posted
            }
            if (tail != null) {
                Object status = block ? complete(tail, this) : test(tail);
                if (status == null) {
                    return false;
                }
                tail = null;
                in.rest = rest;
            }
            arrived = true;
            outstanding.remove(this);
            return true;
        }

        /** Turns the arrived message into the result (or the failure), once. */
        private void open() {
            if (result != null || failure != null) {
                return;
            }
            try {
                result = OpenMpiTransport.this.open(in, buffer, source, tag);
            } catch (JparException e) {
                failure = e;
            } finally {
                landings.add(landing);
                landing = null;
                rest = null;
                in = null;
            }
        }
    }
}
