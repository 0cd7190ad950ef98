package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Request;
import org.jpar.engine.nativempi.NativeEngine;
import org.jpar.engine.nativempi.NativeWorld;
import org.jpar.internal.MpiWire;
import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.internal.ProbedHeads;
import org.jpar.spi.Collectives;
import org.jpar.spi.PendingHeads;
import org.jpar.spi.Transport;

/**
 * This process's endpoint into {@code MPI_COMM_WORLD} through the MPI library's C interface ({@link Mpi}), in the
 * {@link MpiWire} format (the Open MPI Java-bindings engine's format, so both behave alike). Three duplicates of the
 * world communicator keep traffic apart: user messages (tags as given, so {@code ANY_TAG} sees only them), jpar's
 * collectives (internal tag {@code t < 0} as MPI tag {@code -t}), and the rests of chunked messages (tagged with a
 * sequence number). Every message's bytes go to MPI from off-heap memory: a primitive array is copied once into it
 * (never serialized). Sends to this rank itself never block (they complete when received).
 *
 * <p>Thread safety ({@code -Djpar.native.threads}): {@code multiple} (the default) asks for
 * {@code MPI_THREAD_MULTIPLE} and every call goes straight to MPI from any thread. {@code serialized}, or an MPI that
 * grants less: one lock serializes the calls, and blocking operations become nonblocking ones tested with the lock
 * released between tests, so one blocked thread never stops the others.
 *
 * <p>Progress (MPI-4.0 §3.7.4): a message larger than one landing buffer travels as a head and a rest, and the
 * rest's receive can only be posted once the head has arrived. So while an {@code ireceive} waits for its head, every
 * blocking call of this rank runs as a nonblocking operation tested in turn with those receives, and posts their
 * rests as their heads arrive.
 *
 * <p>Crowded machines: MPICH (built for Linux, as Debian's is) polls in its blocking calls without ever yielding the
 * core, so when a machine runs more ranks than it has cores, a rank waiting for a partner that shares its core spins
 * for its whole time slice before the partner can answer (a ping-pong ran 10 to 100 times slower, depending on where
 * the scheduler put the ranks). So under MPICH, when any machine of the job runs more ranks than this JVM sees
 * processors ({@link #crowded}, agreed by all ranks at start), every wait is MPI's nonblocking operation tested with
 * {@link Thread#yield()} between tests, as Open MPI does itself when it knows it is oversubscribed, and jpar's
 * collectives use MPI's nonblocking collectives (blocking and nonblocking collectives never match, so all ranks
 * decide alike).
 *
 * <p>Request lifetime: every nonblocking operation stays in {@link #outstanding}, with the memory MPI reads or
 * writes, until MPI reports it complete, whatever the user does with its {@link Request}.
 */
public final class NativeTransport implements NativeWorld {
    /** Per-thread staging buffers up to this size are kept for reuse; larger ones are left to the GC. */
    private static final int RETAIN = 8 << 20;
    /**
     * Rests up to this size are received straight into the Java array in a critical call ({@link #receiveRestInto}),
     * which holds off this JVM's garbage collection for the transfer's time; larger ones go through off-heap memory.
     */
    private static final int DIRECT_MAX = 64 << 20;
    /** Dropped requests are tested (and forgotten once complete) when this many are outstanding, or twice the rest. */
    private static final int SWEEP_MIN = 64;
    private static final int THREAD_SERIALIZED = 2;
    private static final int THREAD_MULTIPLE = 3;

    private final String libraryVersion;
    private final long world;
    /** The communicator {@link #split} made for this transport (freed on close), or 0 for the world's. */
    private final long own;
    private final long user;
    private final long internal;
    private final long bulk;
    private final long byteType;
    /** The datatype of a chunked message's rest, by kind ({@link #restType}). */
    private final long[] restTypes = new long[MpiWire.LIST_DOUBLE + 1];
    private final int anySource;
    private final int anyTag;
    private final long sequenceModulus;
    private final int rank;
    private final int size;
    private final String processorName;
    private final ObjectCodec codec;
    /** True to call MPI's blocking operations directly; false to serialize (own lock). */
    private final boolean multiple;
    /**
     * True when some machine of the job runs more ranks than it has processors (see the class comment): waits test
     * MPI's requests and yield the core between tests instead of sitting in MPI's busy-polling blocking calls. The
     * same on every rank.
     */
    private final boolean crowded;
    /** Tests before a wait starts yielding the core: none on a crowded machine, where the partner may need it. */
    private final int spins;
    private final ReentrantLock serial = new ReentrantLock();
    private final AtomicInteger sequence = new AtomicInteger();
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    /** The last thread's scratch: a thread that calls again finds its own without a thread-local lookup. */
    private Scratch lastScratch;
    private final Queue<Buf> landings = new ConcurrentLinkedQueue<>();
    private final Queue<SendRequest> selfSends = new ConcurrentLinkedQueue<>();
    private final ReentrantLock sweeping = new ReentrantLock();
    /**
     * Nonblocking receives whose head has not arrived, of every communicator of this rank (the world's, shared):
     * blocking calls test them, and a helper while a thread blocks in MPI (see the class comment).
     */
    private final PendingHeads<ReceiveRequest> awaitingHead;
    /** Every nonblocking operation MPI has not completed: keeps it and its memory reachable until then. */
    private final Set<Outstanding> outstanding = ConcurrentHashMap.newKeySet();
    private volatile int sweepAt = SWEEP_MIN;
    private volatile boolean closed;
    private volatile boolean finalized;
    private Collectives collectives;
    /** The world endpoint this one was split from (itself for the world): abort and finalization are its. */
    private final NativeTransport root;
    /** Heads of user messages a probe received from MPI before their receive, in arrival order (see probe). */
    private final ProbedHeads<Buf> probed = new ProbedHeads<>();

    /** Off-heap memory and a native-order {@link ByteBuffer} view of it (what {@link MpiWire} reads and writes). */
    static final class Buf {
        final MemorySegment seg;
        final ByteBuffer b;

        Buf(long bytes) {
            seg = Arena.ofAuto().allocate(Math.max(bytes, 8), 8);
            b = seg.asByteBuffer().order(MpiWire.ORDER);
        }
    }

    /** One request of MPI with its status and test flag, in memory the GC frees once nothing refers to it. */
    static final class Req {
        final MemorySegment request;
        final MemorySegment status;
        final MemorySegment flag;

        Req() {
            MemorySegment m = Arena.ofAuto().allocate(48, 8);
            request = m.asSlice(0, 8);
            status = m.asSlice(8, 32);
            flag = m.asSlice(40, 4);
        }
    }

    /** One thread's reusable memory. Its blocking sends and receives never overlap, so one buffer serves both. */
    private static final class Scratch {
        final Thread thread = Thread.currentThread();
        final Buf io = new Buf(MpiWire.MESSAGE);
        final MemorySegment status = Arena.ofAuto().allocate(32, 8);
        final MpiWire.Out prepared = new MpiWire.Out();
        final MpiWire.In received = new MpiWire.In();
        Buf staging;

        /** @return off-heap memory of at least {@code bytes}, this thread's own while it uses it */
        Buf staging(long bytes) {
            Buf b = staging;
            if (b != null && b.seg.byteSize() >= bytes) {
                return b;
            }
            b = new Buf(bytes);
            if (bytes <= RETAIN) {
                staging = b;
            }
            return b;
        }
    }

    /**
     * Initializes MPI (the library is loaded and bound already, see {@link Connect}).
     *
     * @param threads {@code multiple} or {@code serialized}
     */
    NativeTransport(String threads, String libraryVersion) {
        int required;
        switch (threads) {
            case "multiple":
                required = THREAD_MULTIPLE;
                break;
            case "serialized":
                required = THREAD_SERIALIZED;
                break;
            default:
                throw new JparException("-Djpar.native.threads=" + threads + " is not a thread level: choose "
                        + "multiple (the default: any thread calls MPI) or serialized (jpar serializes the calls)");
        }
        this.libraryVersion = libraryVersion;
        int provided = Mpi.initThread(required);
        multiple = required == THREAD_MULTIPLE && provided >= THREAD_MULTIPLE;
        Abi abi = Mpi.ABI;
        world = abi.handle("COMM_WORLD");
        own = 0;
        rank = Mpi.rank(world);
        size = Mpi.size(world);
        long errorsReturn = abi.handle("ERRORS_RETURN");
        Mpi.setErrhandler(world, errorsReturn);
        user = Mpi.dup(world);
        internal = Mpi.dup(world);
        bulk = Mpi.dup(world);
        byteType = abi.handle("BYTE");
        for (byte k = 0; k < restTypes.length; k++) {
            restTypes[k] = abi.handle(restType(k));
        }
        anySource = abi.anySource;
        anyTag = abi.anyTag;
        int tagUb = Mpi.tagUb(world);
        sequenceModulus = (tagUb >= Short.MAX_VALUE ? tagUb : Short.MAX_VALUE) + 1L;
        processorName = Mpi.processorName();
        // Open MPI yields by itself when it knows the machine is oversubscribed (and its blocking collectives keep
        // jpar's clear errors for mismatched arrays, which its nonblocking ones report as MPI_ERR_TRUNCATE)
        crowded = size > 1 && Mpi.ABI.family == Abi.Family.MPICH && crowded(world, processorName, size);
        spins = crowded ? 0 : 1000;
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        codec = new ObjectCodec(loader != null ? loader : NativeTransport.class.getClassLoader(), "rank " + rank);
        root = this;
        awaitingHead = new PendingHeads<>("jpar-progress-rank-" + rank);
    }

    /** A transport on {@code comm}, a communicator {@link #split} made from {@code parent}'s group. */
    private NativeTransport(NativeTransport parent, long comm) {
        libraryVersion = parent.libraryVersion;
        multiple = parent.multiple;
        crowded = parent.crowded;
        spins = parent.spins;
        world = parent.world;
        own = comm;
        rank = Mpi.rank(comm);
        size = Mpi.size(comm);
        long errorsReturn = Mpi.ABI.handle("ERRORS_RETURN");
        Mpi.setErrhandler(comm, errorsReturn);
        user = Mpi.dup(comm);
        internal = Mpi.dup(comm);
        bulk = Mpi.dup(comm);
        byteType = parent.byteType;
        System.arraycopy(parent.restTypes, 0, restTypes, 0, restTypes.length);
        anySource = parent.anySource;
        anyTag = parent.anyTag;
        sequenceModulus = parent.sequenceModulus;
        processorName = parent.processorName;
        codec = parent.codec;
        root = parent.root;
        awaitingHead = root.awaitingHead;
    }

    /**
     * Whether some machine of the job runs more ranks than it has processors: every rank gives its machine (a hash of
     * its processor name) and the processors this JVM may use ({@link Runtime#availableProcessors()}, which counts the
     * cores a binding left it) in one {@code MPI_Allgatherv} on {@code comm}, so every rank decides alike.
     */
    private static boolean crowded(long comm, String processorName, int size) {
        long machine = 0xcbf29ce484222325L; // FNV-1a
        for (byte b : processorName.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            machine = (machine ^ (b & 0xff)) * 0x100000001b3L;
        }
        Arena arena = Arena.ofAuto();
        MemorySegment mine = arena.allocate(16, 8);
        mine.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, machine);
        mine.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, Runtime.getRuntime().availableProcessors());
        MemorySegment all = arena.allocate(16L * size, 8);
        MemorySegment counts = arena.allocate(4L * size, 4);
        MemorySegment displs = arena.allocate(4L * size, 4);
        for (int r = 0; r < size; r++) {
            counts.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, r, 2);
            displs.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, r, 2 * r);
        }
        Mpi.allgatherv(mine, 2, all, counts, displs, Mpi.ABI.handle("INT64_T"), comm, null);
        java.util.Map<Long, long[]> machines = new java.util.HashMap<>(); // machine: {ranks, most processors seen}
        for (int r = 0; r < size; r++) {
            long[] m = machines.computeIfAbsent(all.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, 2L * r),
                    k -> new long[2]);
            m[0]++;
            m[1] = Math.max(m[1], all.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, 2L * r + 1));
        }
        for (long[] m : machines.values()) {
            if (m[0] > m[1]) {
                return true;
            }
        }
        return false;
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
        return NativeEngine.NAME;
    }

    @Override
    public String libraryVersion() {
        return libraryVersion;
    }

    // ---------------------------------------------------------------- point to point

    @Override
    public void send(Object message, int dest, int tag) {
        if (dest == rank) {
            sendToSelf(message, tag);
            return;
        }
        Scratch s = scratch();
        MpiWire.Out o = s.prepared;
        MpiWire.prepare(o, message, codec);
        long comm = comm(tag);
        int mpiTag = mpiTag(tag);
        try {
            Buf io = s.io;
            ByteBuffer b = io.b;
            if (o.plain()) {
                int n = (int) o.bytes;
                MpiWire.plainHeader(b, o.kind, n);
                MpiWire.writePayload(b, MpiWire.HEADER, o, 0, n);
                send(comm, io.seg, MpiWire.HEADER + n, byteType, dest, mpiTag);
            } else {
                int seq = nextSequence();
                boolean blockingRest = straight(); // the rest goes in MPI_Send itself (see receiveRestInto)
                MpiWire.chunkHeader(b, o.kind, seq, o.bytes, MpiWire.HEAD_PAYLOAD, blockingRest);
                MpiWire.writePayload(b, MpiWire.CHUNK_HEADER, o, 0, MpiWire.HEAD_PAYLOAD);
                send(comm, io.seg, MpiWire.CHUNK_HEADER + MpiWire.HEAD_PAYLOAD, byteType, dest, mpiTag);
                int restBytes = (int) (o.bytes - MpiWire.HEAD_PAYLOAD);
                Buf staged = s.staging(restBytes);
                MpiWire.writePayload(staged.b, 0, o, MpiWire.HEAD_PAYLOAD, restBytes);
                int count = restBytes / MpiWire.elementBytes(o.kind);
                if (blockingRest) {
                    // straight in MPI_Send even if another thread posted an ireceive since: the helper moves it on
                    enterBlockingCollective();
                    try {
                        Mpi.send(staged.seg, count, restTypes[o.kind], dest, seq, bulk);
                    } finally {
                        exitBlockingCollective();
                    }
                } else {
                    send(bulk, staged.seg, count, restTypes[o.kind], dest, seq);
                }
            }
        } finally {
            o.data = null;
        }
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        if (!probed.isEmpty()) {
            ProbedHeads.Head<Buf> p = probed.take(source, tag);
            if (p != null) {
                return openProbed(p, buffer, source, tag);
            }
        }
        Scratch s = scratch();
        Buf io = s.io;
        MemorySegment status = recv(comm(tag), io.seg, MpiWire.MESSAGE, byteType,
                source == ANY_SOURCE ? anySource : source, tag == ANY_TAG ? anyTag : mpiTag(tag), s.status);
        MpiWire.In in = s.received;
        int seq = in.readHeader(io.b);
        in.source = Mpi.source(status);
        in.tag = tag < 0 && tag != ANY_TAG ? tag : Mpi.tag(status);
        try {
            if (seq >= 0) {
                Object into = in.blockingRest && straight() ? directTarget(in, buffer) : null;
                if (into != null) {
                    receiveRestInto(into, in, seq, s.status);
                } else {
                    Buf rest = s.staging(in.restLen());
                    recv(bulk, rest.seg, in.restElements(), restTypes[in.kind], in.source, seq, s.status);
                    in.rest = rest.b;
                }
            }
            return open(in, buffer, source, tag);
        } finally {
            in.clear();
        }
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        sweepIfMany();
        SendRequest r = post(message, dest, tag);
        if (dest == rank) {
            r.toSelf = true;
            selfSends.add(r);
        }
        return r;
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        if (!probed.isEmpty()) {
            ProbedHeads.Head<Buf> p = probed.take(source, tag);
            if (p != null) {
                try {
                    return new MpiWire.Received(openProbed(p, buffer, source, tag), null);
                } catch (RuntimeException e) {
                    return new MpiWire.Received(null, e);
                }
            }
        }
        sweepIfMany();
        Buf landing = landing();
        Req request = irecv(comm(tag), landing.seg, MpiWire.MESSAGE, byteType,
                source == ANY_SOURCE ? anySource : source, tag == ANY_TAG ? anyTag : mpiTag(tag));
        ReceiveRequest r = new ReceiveRequest(request, landing, buffer, source, tag);
        outstanding.add(r);
        awaitingHead.add(r);
        return r;
    }

    /** A send to this rank: posted nonblocking and completed when received, so it never deadlocks. */
    private void sendToSelf(Object message, int tag) {
        SendRequest r = post(message, rank, tag);
        r.toSelf = true;
        selfSends.add(r);
        sweepSelfSends();
    }

    /** Forgets the self-sends that are complete. */
    private void sweepSelfSends() {
        if (selfSends.isEmpty() || !sweeping.tryLock()) {
            return;
        }
        try {
            for (Iterator<SendRequest> it = selfSends.iterator(); it.hasNext(); ) {
                SendRequest r = it.next();
                r.tryAdvance();
                if (!outstanding.contains(r)) {
                    it.remove();
                }
            }
        } finally {
            sweeping.unlock();
        }
    }

    /** Posts a nonblocking send of {@code message} from its own off-heap copy. */
    private SendRequest post(Object message, int dest, int tag) {
        MpiWire.Out o = new MpiWire.Out();
        MpiWire.prepare(o, message, codec);
        long comm = comm(tag);
        int mpiTag = mpiTag(tag);
        if (o.plain()) {
            Buf b = landing();
            int n = (int) o.bytes;
            MpiWire.plainHeader(b.b, o.kind, n);
            MpiWire.writePayload(b.b, MpiWire.HEADER, o, 0, n);
            return track(new SendRequest(isend(comm, b.seg, MpiWire.HEADER + n, byteType, dest, mpiTag), null, b, true));
        }
        int seq = nextSequence();
        Buf b = new Buf(MpiWire.CHUNK_HEADER + o.bytes);
        MpiWire.chunkHeader(b.b, o.kind, seq, o.bytes, MpiWire.HEAD_PAYLOAD);
        MpiWire.writePayload(b.b, MpiWire.CHUNK_HEADER, o, 0, (int) o.bytes);
        int headMessage = MpiWire.CHUNK_HEADER + MpiWire.HEAD_PAYLOAD;
        int rest = (int) (o.bytes - MpiWire.HEAD_PAYLOAD);
        Req head = isend(comm, b.seg, headMessage, byteType, dest, mpiTag);
        Req tail = isend(bulk, b.seg.asSlice(headMessage, rest), rest / MpiWire.elementBytes(o.kind), restTypes[o.kind],
                dest, seq);
        return track(new SendRequest(head, tail, b, false));
    }

    private SendRequest track(SendRequest r) {
        outstanding.add(r);
        return r;
    }

    /** Tests the outstanding operations when there are many, forgetting the complete ones, so their memory goes. */
    private void sweepIfMany() {
        if (outstanding.size() < sweepAt) {
            return;
        }
        for (Outstanding r : outstanding) {
            r.tryAdvance();
        }
        sweepAt = Math.max(SWEEP_MIN, 2 * outstanding.size());
    }

    /** @return true when blocking calls may go straight to MPI's blocking operations */
    private boolean straight() {
        return multiple && !crowded && awaitingHead.isEmpty();
    }

    /** Tests every nonblocking receive that waits for its head (but {@code self}), posting the rests that arrived. */
    private void progress(Object self) {
        awaitingHead.progress(self);
    }

    /**
     * @return the Java array a chunked message's rest can be received straight into (the receiver's buffer, or a new
     *         array for the value), or null to receive it through off-heap memory (lists, {@code boolean[]}, a buffer
     *         that does not fit, rests above {@link #DIRECT_MAX})
     */
    private static Object directTarget(MpiWire.In in, Object buffer) {
        return in.kind == MpiWire.BOOLEANS || in.restLen() > DIRECT_MAX ? null : in.restTarget(buffer);
    }

    /**
     * Receives a chunked message's rest straight into the Java array {@code into} (no off-heap copy), after copying the
     * head's payload into it. The sender flagged the rest {@link MpiWire#BLOCKING_REST}: it sits in {@code MPI_Send}
     * until the rest is delivered. So once {@code MPI_Probe} (an ordinary call, during which the GC runs freely) has
     * seen the rest's envelope, the critical {@code MPI_Recv} (during which this JVM cannot collect garbage) only
     * waits for the transfer itself, which both MPI processes carry on in native code whatever their Java threads do.
     */
    private void receiveRestInto(Object into, MpiWire.In in, int seq, MemorySegment status) {
        MpiWire.copyOut(in.head, in.headAt, into, 0, in.headLen);
        Mpi.probe(in.source, seq, bulk, status);
        MemorySegment rest = MemorySegment.ofBuffer(MpiWire.heapSlice(into, in.headElements(), in.restElements()));
        Mpi.recvCritical(rest, in.restElements(), restTypes[in.kind], in.source, seq, bulk, status);
        in.whole = into;
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

    /** @return this thread's scratch memory */
    private Scratch scratch() {
        Scratch s = lastScratch; // racy but safe: Scratch.thread is final
        if (s != null && s.thread == Thread.currentThread()) {
            return s;
        }
        s = scratch.get();
        lastScratch = s;
        return s;
    }

    private long comm(int tag) {
        return tag >= 0 || tag == ANY_TAG ? user : internal;
    }

    private static int mpiTag(int tag) {
        return tag >= 0 ? tag : -tag;
    }

    private int nextSequence() {
        return (int) ((sequence.getAndIncrement() & 0xFFFFFFFFL) % sequenceModulus);
    }

    private Buf landing() {
        Buf b = landings.poll();
        return b != null ? b : new Buf(MpiWire.MESSAGE);
    }

    // ---------------------------------------------------------------- collectives

    /**
     * {@code MPI_Barrier} (serialized or crowded: {@code MPI_Ibarrier}, completed with the lock released between tests
     * and, crowded, the core yielded).
     */
    void barrier() {
        if (multiple && !crowded) {
            enterBlockingCollective();
            try {
                Mpi.barrier(internal);
            } finally {
                exitBlockingCollective();
            }
        } else {
            Req r = new Req();
            locked(() -> Mpi.ibarrier(internal, r.request));
            complete(r, null);
        }
    }

    /**
     * Broadcast as the Open MPI engine does it: the message goes down a binomial tree of point-to-point messages
     * (received bytes forwarded as they are); a value larger than one message leaves only its header in the tree,
     * and its payload follows in one native {@code MPI_Ibcast}.
     */
    Object broadcast(Object message, int root) {
        if (size == 1) {
            return message;
        }
        Scratch s = scratch();
        Buf io = s.io;
        ByteBuffer b = io.b;
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
                recv(internal, io.seg, MpiWire.MESSAGE, byteType, (rel - mask + root) % size, tag, s.status);
                count = in.readHeader(b) < 0 ? MpiWire.HEADER + in.headLen : MpiWire.CHUNK_HEADER;
            }
            for (mask >>= 1; mask > 0; mask >>= 1) {
                if (rel + mask < size) {
                    send(internal, io.seg, count, byteType, (rel + mask + root) % size, tag);
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

    /** The payload of a large broadcast value, in one native nonblocking broadcast from off-heap memory. */
    private void broadcastPayload(Scratch s, byte kind, long bytes, MpiWire.Out root, int rootRank) {
        int elements = (int) (bytes / MpiWire.elementBytes(kind));
        Buf staged = s.staging(bytes);
        if (root != null) {
            MpiWire.writePayload(staged.b, 0, root, 0, (int) bytes);
        }
        Req r = new Req();
        if (multiple) {
            Mpi.ibcast(staged.seg, elements, restTypes[kind], rootRank, internal, r.request);
        } else {
            locked(() -> Mpi.ibcast(staged.seg, elements, restTypes[kind], rootRank, internal, r.request));
        }
        complete(r, null);
        if (root == null) {
            s.received.rest = staged.b;
        }
    }

    // ---------------------------------------------------------------- native collectives (NativeCollectives)

    /** @return the communicator jpar's collectives run on (this transport's own, so split ones keep theirs) */
    long collectiveComm() {
        return internal;
    }

    /**
     * @return true to call MPI's blocking collectives (thread level multiple), false for the nonblocking ones completed
     *         by {@link #awaitCollective} (serialized: jpar's lock may not be held while blocked; {@link #crowded}: the
     *         core is yielded while waiting). The same on every rank of a job, as MPI requires: a blocking collective
     *         never matches a nonblocking one (MPI-4.1 6.12).
     */
    boolean blockingCollectives() {
        return multiple && !crowded;
    }

    /** Posts a nonblocking native collective ({@code post} writes its request), under jpar's lock if serialized. */
    void startCollective(Runnable post) {
        if (multiple) {
            post.run();
        } else {
            locked(post);
        }
    }

    /** Waits for a nonblocking native collective, moving posted receives on meanwhile. */
    void awaitCollective(Req r) {
        complete(r, null);
    }

    /**
     * Brackets a blocking native collective (or a large message's rest in {@code MPI_Send}, see {@link #send}): while
     * this thread is inside MPI, posted receives awaiting their heads still need their rests posted (the class
     * comment, Progress: a sender blocked in the rest's send would never join the collective), so a helper thread does
     * that for as long as the call lasts and such receives exist.
     */
    void enterBlockingCollective() {
        awaitingHead.enterBlocking();
    }

    void exitBlockingCollective() {
        awaitingHead.exitBlocking();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Ends this rank's communication, without waiting for the other ranks: {@code MPI_Finalize} waits for every rank
     * to finalize, so it runs only when the process ends normally ({@link #finalizeMpi()}, from
     * {@link NativeEngine}).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        selfSends.clear();
        if (root == this) {
            awaitingHead.close(); // its helper ends
        }
        if (own != 0 && !root.finalized) {
            for (long c : new long[] {user, internal, bulk, own}) {
                Mpi.free(c);
            }
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void finalizeMpi() {
        close();
        synchronized (this) {
            if (finalized) {
                return;
            }
            finalized = true;
        }
        Mpi.finalizeMpi();
    }

    @Override
    public boolean isFinalized() {
        return finalized;
    }

    /**
     * @return the MPI datatype ({@link Abi#handle}) of a chunked message's rest of {@code kind}: {@link MpiWire#restType}
     *         in C's names ({@code char} is {@code UNSIGNED_SHORT}, {@code long} is {@code INT64_T}, {@code boolean}
     *         travels as {@code BYTE})
     */
    static String restType(byte kind) {
        switch (MpiWire.restType(kind)) {
            case "CHAR":
                return "UNSIGNED_SHORT";
            case "LONG":
                return "INT64_T";
            case "BOOLEAN":
                return "BYTE";
            default:
                return MpiWire.restType(kind);
        }
    }

    @Override
    public void abortJob(int code) {
        if (System.getenv("PMI_RANK") != null) {
            OutputDrain.await(3_000, 50);
        }
        Mpi.abort(world, code);
    }

    /**
     * {@code abort(code)} from the program: one line naming the rank (in the world) and the code, then
     * {@code MPI_Abort} with the code's exit status ({@link Transport#exitStatus}), which the launcher exits with.
     */
    @Override
    public void abort(int code) {
        NativeEngine.aborted(root, code, Transport.exitStatus(code));
    }

    // ---------------------------------------------------------------- probes (as the Open MPI engine's)

    /**
     * {@code MPI_Probe}/{@code MPI_Iprobe} on the user communicator, then the head of the message it found is received
     * at once (with the exact source and tag, so MPI's ordering makes it that message) and kept until a receive takes
     * it: its jpar header gives the size and the type, which MPI's status alone does not. Receives look at the kept
     * heads first; those are earlier than anything still in MPI from the same source, so the order stays MPI's.
     */
    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        Envelope<Void> kept = probed.find(source, tag);
        if (kept != null) {
            return kept;
        }
        int src = source == ANY_SOURCE ? anySource : source;
        int t = tag == ANY_TAG ? anyTag : tag;
        Scratch s = scratch();
        Req r = new Req();
        if (block && straight()) {
            Mpi.probe(src, t, user, r.status);
        } else {
            boolean found = iprobe(src, t, r);
            for (int i = 0; !found && block; i++) {
                progress(null);
                if (i < spins) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
                found = iprobe(src, t, r);
            }
            if (!found) {
                return null;
            }
        }
        int from = Mpi.source(r.status);
        int sentTag = Mpi.tag(r.status);
        Buf head = landing();
        recv(user, head.seg, MpiWire.MESSAGE, byteType, from, sentTag, s.status);
        MpiWire.In in = new MpiWire.In();
        in.readHeader(head.b);
        Envelope<Void> e = new Envelope<>(null, from, sentTag, in.bytes, in.typeName());
        probed.add(new ProbedHeads.Head<>(head, from, sentTag, e));
        return e;
    }

    private boolean iprobe(int source, int tag, Req r) {
        if (multiple) {
            return Mpi.iprobe(source, tag, user, r.flag, r.status);
        }
        serial.lock();
        try {
            return Mpi.iprobe(source, tag, user, r.flag, r.status);
        } finally {
            serial.unlock();
        }
    }

    /** Receives what follows a kept head (the rest of a chunked message) and opens the message. */
    private Envelope<Object> openProbed(ProbedHeads.Head<Buf> p, Object buffer, int source, int tag) {
        Scratch s = scratch();
        MpiWire.In in = new MpiWire.In();
        int seq = in.readHeader(p.buffer().b);
        in.source = p.source();
        in.tag = p.tag();
        try {
            if (seq >= 0) {
                Buf rest = new Buf(in.restLen());
                recv(bulk, rest.seg, in.restElements(), restTypes[in.kind], in.source, seq, s.status);
                in.rest = rest.b;
            }
            return open(in, buffer, source, tag);
        } finally {
            in.clear();
            landings.add(p.buffer());
        }
    }

    /** {@code MPI_Comm_split} of this group (colour {@code Par.UNDEFINED} is {@code MPI_UNDEFINED}). */
    @Override
    public Transport split(int color, int key) {
        long comm = Mpi.split(internal, color, key);
        if (comm == Mpi.ABI.handle("COMM_NULL")) {
            return null;
        }
        return new NativeTransport(this, comm);
    }

    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new NativeCollectives(this);
            collectives = c;
        }
        return c;
    }

    // ---------------------------------------------------------------- MPI calls, serialized when needed

    private void locked(Runnable call) {
        serial.lock();
        try {
            call.run();
        } finally {
            serial.unlock();
        }
    }

    private void send(long comm, MemorySegment b, int count, long type, int dest, int tag) {
        if (straight()) {
            Mpi.send(b, count, type, dest, tag, comm);
        } else {
            complete(isend(comm, b, count, type, dest, tag), null);
        }
    }

    private MemorySegment recv(long comm, MemorySegment b, int count, long type, int source, int tag,
                               MemorySegment status) {
        if (straight()) {
            Mpi.recv(b, count, type, source, tag, comm, status);
            return status;
        }
        return complete(irecv(comm, b, count, type, source, tag), null);
    }

    private Req isend(long comm, MemorySegment b, int count, long type, int dest, int tag) {
        Req r = new Req();
        if (multiple) {
            Mpi.isend(b, count, type, dest, tag, comm, r.request);
        } else {
            locked(() -> Mpi.isend(b, count, type, dest, tag, comm, r.request));
        }
        return r;
    }

    private Req irecv(long comm, MemorySegment b, int count, long type, int source, int tag) {
        Req r = new Req();
        if (multiple) {
            Mpi.irecv(b, count, type, source, tag, comm, r.request);
        } else {
            locked(() -> Mpi.irecv(b, count, type, source, tag, comm, r.request));
        }
        return r;
    }

    /** @return the request's status if it is complete, else null */
    private MemorySegment test(Req r) {
        if (multiple) {
            return Mpi.test(r.request, r.flag, r.status) ? r.status : null;
        }
        serial.lock();
        try {
            return Mpi.test(r.request, r.flag, r.status) ? r.status : null;
        } finally {
            serial.unlock();
        }
    }

    /**
     * Waits for {@code r}: in MPI's wait, or (serialized, {@link #crowded}, or while nonblocking receives other than
     * {@code self} wait for their heads) by testing it in turn with those receives, with the lock released in between
     * (crowded: the core yielded between tests).
     */
    private MemorySegment complete(Req r, Object self) {
        if (multiple && !crowded && awaitingHead.noneBut(self)) {
            Mpi.waitFor(r.request, r.status);
            return r.status;
        }
        for (int i = 0; ; i++) {
            MemorySegment status = test(r);
            if (status != null) {
                return status;
            }
            progress(self);
            if (i < spins) {
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

    /** A nonblocking send: one request (plain) or two (head and rest), and the memory they read. */
    private final class SendRequest implements Request<Void>, Outstanding {
        private final ReentrantLock lock = new ReentrantLock();
        private final boolean pooled;
        /**
         * A send to this rank is complete for the program as soon as it is posted (the message is in jpar's own
         * memory already): MPI may complete a send to self only once its receive is posted (MPICH does), and a rank
         * that waits for its own send before receiving it must not deadlock. MPI's request is still tested until it
         * completes, and the memory kept until then.
         */
        private volatile boolean toSelf;
        private Req head;
        private Req tail;
        private Buf buffer;
        private RuntimeException failure;

        SendRequest(Req head, Req tail, Buf buffer, boolean pooled) {
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
            lock.lock();
            try {
                if (failure != null) {
                    throw failure;
                }
                if (toSelf) {
                    poll();
                    return new Envelope<>(null, -1, -1, 0);
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
            boolean done;
            lock.lock();
            try {
                if (failure != null) {
                    throw failure;
                }
                done = poll() || toSelf;
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
                    outstanding.remove(this);
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

        /** MPI completed the send: the memory goes back to the pool, and the engine forgets the request. */
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
     * A nonblocking receive: the head lands in its own buffer; the rest of a chunked message follows into off-heap
     * memory, posted by whichever thread sees the head arrive (see the class comment).
     */
    private final class ReceiveRequest implements Request<Object>, Outstanding, PendingHeads.Pending {
        private final ReentrantLock lock = new ReentrantLock();
        private final int source;
        private final int tag;
        private final Object buffer;
        private Req head;
        private Buf landing;
        private Req tail;
        private Buf rest;
        private MpiWire.In in;
        /** True once MPI delivered the whole message. */
        private boolean arrived;
        private Envelope<Object> result;
        private RuntimeException failure;

        ReceiveRequest(Req head, Buf landing, Object buffer, int source, int tag) {
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
                MemorySegment status = block ? complete(head, this) : test(head);
                if (status == null) {
                    return false;
                }
                head = null;
                in = new MpiWire.In();
                int seq = in.readHeader(landing.b);
                in.source = Mpi.source(status);
                in.tag = tag < 0 && tag != ANY_TAG ? tag : Mpi.tag(status);
                if (seq >= 0) {
                    rest = new Buf(in.restLen());
                    tail = irecv(bulk, rest.seg, in.restElements(), restTypes[in.kind], in.source, seq);
                }
                awaitingHead.remove(this); // only now: its rest's receive is posted
            }
            if (tail != null) {
                MemorySegment status = block ? complete(tail, this) : test(tail);
                if (status == null) {
                    return false;
                }
                tail = null;
                in.rest = rest.b;
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
                result = NativeTransport.this.open(in, buffer, source, tag);
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
