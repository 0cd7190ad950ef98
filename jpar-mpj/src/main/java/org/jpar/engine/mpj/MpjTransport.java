package org.jpar.engine.mpj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
import org.jpar.internal.ObjectCodec;
import org.jpar.internal.PrimitiveArrays;
import org.jpar.internal.Settings;
import org.jpar.spi.Collectives;
import org.jpar.spi.PointToPointCollectives;
import org.jpar.spi.Transport;

/**
 * One rank's endpoint on MPJ Express ({@code mpi.*} of its own class loader, through {@link Mpj}).
 *
 * <p><b>Format.</b> Every jpar message is one MPJ message of bytes (a 16-byte header, then the payload when it fits
 * in the landing size, see {@link #LANDING_PROPERTY}), so the receiver learns the kind of the value (which primitive
 * array, a string, an encoded object, null) from the message itself, and MPJ's matching (a source or
 * {@code ANY_SOURCE}, a tag or {@code ANY_TAG}) and ordering apply unchanged. A larger payload travels as a header
 * alone and a second message on the bulk communicator, typed with the array's own MPJ datatype and tagged with a
 * sequence number, straight from the sender's array into the receiver's (MPJ packs and unpacks arrays itself: jpar
 * adds no copy). Objects go through jpar's codec as bytes, never through {@code MPI.OBJECT} (which deserializes with
 * the wrong class loader in the multicore device); primitive arrays are never serialized.
 *
 * <p><b>Communicators.</b> Three duplicates of {@code MPI.COMM_WORLD}: user messages (tags as given, so
 * {@code ANY_TAG} sees only them), jpar's collectives (internal tag {@code t < 0} as MPJ tag {@code -t}), and the bulk
 * parts of large messages.
 *
 * <p><b>Sends never wait for their receiver.</b> MPJ's multicore {@code Send} waits until the receiver has matched
 * it, at every size ("every rank sends, then every rank receives" deadlocks); jpar posts every send as an
 * {@code Isend} (MPJ copies the data before {@code Isend} returns) and keeps the request until MPJ completes it. So a
 * send returns as soon as the caller may reuse its message, on both devices, at every size, and sends to this rank
 * itself never block.
 * The one exception is inside a collective: on multicore, {@code broadcastInto}'s sends of large arrays wait until
 * the receiver took them (see {@link #sendAwaitingReceiver}), as MPJ's own {@code Bcast} does and as MPI allows.
 *
 * <p><b>Receives never wait inside the multicore device.</b> Its wait can return before the message is there (a
 * spurious wakeup: see {@link Doorbell}); there every blocking receive is an {@code Irecv} that the receiving thread
 * tests, parking on its rank's doorbell, which every jpar send to the rank rings.
 *
 * <p><b>Progress</b> (MPI-4.0 §3.7.4). A nonblocking receive posts its header's receive at once; when a large
 * message's header arrives, the bulk part's receive must be posted too. A progress thread of the rank does that for
 * every nonblocking receive whose header arrived while nothing awaits it, so a posted receive lets its sender's
 * message complete whatever the receiver does meanwhile, and a request the program drops still takes its whole
 * message.
 */
final class MpjTransport implements Transport {
    static final byte NULL = 0;
    static final byte BYTES = 1;
    static final byte SHORTS = 2;
    static final byte INTS = 3;
    static final byte LONGS = 4;
    static final byte FLOATS = 5;
    static final byte DOUBLES = 6;
    static final byte CHARS = 7;
    static final byte BOOLEANS = 8;
    static final byte STRING = 9;
    static final byte OBJECT = 10;

    static final int HEADER = 16;
    /**
     * {@code -Djpar.mpj.landing=BYTES} (the same on every rank; for tuning): the bytes every header receive lands in,
     * so header and payload up to this size travel as one message. Default: 16 KiB + 16 on multicore, where a larger
     * payload travels faster as header plus bulk part, straight between the arrays (64 KiB ping-pong, paired ratio to
     * raw MPJ: 1.12-1.16 against 1.27-1.32 with the whole payload in the header's message, which adds two copies);
     * 64 KiB + 16 on niodev, where each extra message costs a network round of its own.
     */
    private static final String LANDING_PROPERTY = "jpar.mpj.landing";
    /**
     * {@code -Djpar.mpj.piece=BYTES} (the same on every rank; for tuning; 0 for one message): niodev sends a large
     * message's bulk part in pieces of this size, default 120 KiB, each below niodev's 128 KiB switch to its
     * rendezvous protocol. So the data flows at once, without the rendezvous's wait for the receive to be posted; one
     * MiB ping-pong took 0.31-0.32x raw MPJ's time (a single 1 MiB {@code Send}) this way, against 1.07-1.12x as one
     * message, 0.47x in 64 KiB pieces and 1.65x in 128 KiB pieces (each then a rendezvous of its own).
     */
    private static final String PIECE_PROPERTY = "jpar.mpj.piece";
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final String[] TYPE_NAMES = {"BYTE", "BYTE", "SHORT", "INT", "LONG", "FLOAT", "DOUBLE", "CHAR",
        "BOOLEAN", "BYTE", "BYTE"};

    private final Mpj mpj;
    private final String device;
    /** Whether a large message's bulk part is posted before its header (see {@link #post}). */
    private final boolean bulkFirst;
    /** niodev: the bytes of each piece a bulk part travels in, or 0 for one message ({@link #PIECE_PROPERTY}). */
    private final int piece;
    private final Object world;
    private final Object user;
    private final Object internal;
    private final Object bulk;
    private final Object[] types = new Object[TYPE_NAMES.length];
    private final int anySource;
    private final int anyTag;
    private final int rank;
    private final int size;
    private final String processorName;
    private final ObjectCodec codec;
    private final ClassLoader codecLoader;
    private final AtomicInteger sequence = new AtomicInteger();
    /** See {@link #LANDING_PROPERTY}. */
    private final int landing;
    private final ThreadLocal<byte[]> scratch;
    /** Each thread's landing buffers of {@link #receiveBlocks}, one per rank (grown on use, kept). */
    private final ThreadLocal<byte[][]> landings = ThreadLocal.withInitial(() -> new byte[0][]);
    /** Sends MPJ has not completed: kept (with MPJ's request) until it does. */
    private final Queue<Object> sends = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sendCount = new AtomicInteger();
    /** Held while sends are tested (see {@link #sweepSends}). */
    private final ReentrantLock sweeping = new ReentrantLock();
    /** Nonblocking receives not complete yet: the progress thread moves them on. */
    private final Set<ReceiveRequest> receives = ConcurrentHashMap.newKeySet();
    private final ThreadGroup progressGroup;
    /** Multicore: every rank's doorbell, by world rank (see {@link Doorbell}); niodev: null. */
    private final Doorbell[] bells;
    /** The world rank of each rank of this group (to ring a destination's doorbell). */
    private final int[] worldRanks;
    /** Multicore: this group's all-to-all tags, shared by its ranks; niodev: null. */
    private final BlockBoard board;
    /** Splits of this group so far (the same count at every rank: a split is collective). */
    private int splits;
    /** The world's transport for a group made by {@link #split}, else null. */
    private final MpjTransport parent;
    /** Heads (with their bulk parts) a probe received: the next matching receive takes them first, in order. */
    private final java.util.ArrayDeque<In> probed = new java.util.ArrayDeque<>();
    private volatile Collectives collectives;
    private volatile Thread progress;
    private volatile boolean closed;

    /**
     * The largest message the multicore device carries: 512 MiB less 64 KiB (measured: MPJ's receiving buffer is a
     * power of two of about twice the message, and 2^31 overflows its int capacity).
     */
    static final long MULTICORE_MAX_BYTES = (1L << 29) - (1 << 16);
    /** The largest message niodev carries: 2 GiB less MPJ's section headers. */
    static final long NIODEV_MAX_BYTES = Integer.MAX_VALUE - (1 << 16);

    /**
     * @param mpj           MPJ's API, initialized ({@code MPI.Init} returned) in the rank's class loader
     * @param device        {@code multicore} or {@code niodev}, for messages
     * @param codecLoader   where received classes are looked up (the rank's class loader)
     * @param progressGroup the thread group of the rank's progress thread (the multicore device only lets threads
     *                      of the rank's own group call MPJ)
     * @param bells         multicore: the job's doorbells, one per rank ({@link Doorbell#forJob}); niodev: null
     * @param board         multicore: the job's board for the world's all-to-alls ({@link BlockBoard}); niodev: null
     */
    MpjTransport(Mpj mpj, String device, ClassLoader codecLoader, ThreadGroup progressGroup, Doorbell[] bells,
                 BlockBoard board) {
        this(mpj, device, codecLoader, progressGroup, mpj.constant("COMM_WORLD"), null, bells, null, board);
    }

    /**
     * An endpoint into the group of {@code comm} (the world, or a group made by {@link #split}), whose ranks have the
     * world ranks {@code worldRanks} (null for the world).
     */
    private MpjTransport(Mpj mpj, String device, ClassLoader codecLoader, ThreadGroup progressGroup, Object comm,
                         MpjTransport parent, Doorbell[] bells, int[] worldRanks, BlockBoard board) {
        this.mpj = mpj;
        this.device = device;
        this.bulkFirst = device.equals(MpjEngine.MULTICORE);
        this.landing = Settings.MPJ_LANDING.getInt((bulkFirst ? 16 : 64) * 1024 + HEADER);
        this.piece = bulkFirst ? 0 : Settings.MPJ_PIECE.getInt(120 * 1024) & ~7;
        int bytes = landing;
        this.scratch = ThreadLocal.withInitial(() -> new byte[bytes]);
        this.progressGroup = progressGroup;
        this.parent = parent;
        this.bells = bells;
        this.board = board;
        world = comm;
        rank = mpj.rank(world);
        size = mpj.size(world);
        if (worldRanks == null) {
            worldRanks = new int[size];
            for (int r = 0; r < size; r++) {
                worldRanks[r] = r;
            }
        }
        this.worldRanks = worldRanks;
        user = mpj.dup(world);
        internal = mpj.dup(world);
        bulk = mpj.dup(world);
        for (int k = 0; k < types.length; k++) {
            types[k] = mpj.constant(TYPE_NAMES[k]);
        }
        anySource = mpj.intConstant("ANY_SOURCE");
        anyTag = mpj.intConstant("ANY_TAG");
        processorName = mpj.processorName();
        codec = new ObjectCodec(codecLoader, "rank " + rank);
        this.codecLoader = codecLoader;
    }

    /** @return MPJ's API of this rank (for the raw baseline) */
    Mpj mpj() {
        return mpj;
    }

    /** @return a new duplicate of this rank's {@code MPI.COMM_WORLD} (collective: every rank calls it) */
    Object dupWorld() {
        return mpj.dup(world);
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
        return MpjEngine.NAME;
    }

    /** @return {@code multicore} or {@code niodev} */
    String device() {
        return device;
    }

    // ---------------------------------------------------------------- the format

    /** An outgoing value: its kind, its payload as an array (the message itself, or bytes), its size. */
    private static final class Out {
        final byte kind;
        final Object payload;
        /** Where in {@link #payload} the message starts (a block of a larger array, see {@link #sendBlock}). */
        final int offset;
        final int elements;
        final long bytes;
        /** The bulk part's tag ({@link #blockTag}), or -1 for the next sequence number. */
        int seq = -1;

        Out(byte kind, Object payload, int elements, long bytes) {
            this(kind, payload, 0, elements, bytes);
        }

        Out(byte kind, Object payload, int offset, int elements, long bytes) {
            this.kind = kind;
            this.payload = payload;
            this.offset = offset;
            this.elements = elements;
            this.bytes = bytes;
        }
    }

    private Out prepare(Object message) {
        if (message == null) {
            return new Out(NULL, null, 0, 0);
        }
        byte kind = arrayKind(message.getClass());
        if (kind != NULL) {
            int n = java.lang.reflect.Array.getLength(message);
            return checkSize(new Out(kind, message, n, PrimitiveArrays.bytes(message)));
        }
        byte[] b;
        if (message instanceof String s) {
            b = s.getBytes(StandardCharsets.UTF_8);
            kind = STRING;
        } else {
            b = codec.encode(message);
            kind = OBJECT;
        }
        return checkSize(new Out(kind, b, b.length, b.length));
    }

    /**
     * MPJ Express 0.44 keeps a message in one buffer indexed by {@code int}; its multicore device's buddy allocator
     * sizes the receiving buffer to a power of two of about twice the message, so from 512 MiB on it fails inside
     * MPJ with a negative capacity.
     */
    private Out checkSize(Out o) {
        long limit = bulkFirst ? MULTICORE_MAX_BYTES : NIODEV_MAX_BYTES;
        if (o.bytes > limit) {
            throw new JparException("cannot send a message of " + o.bytes + " bytes with MPJ Express's " + device
                    + " device: at most " + limit + " bytes per message (MPJ's buffers are indexed by int"
                    + (bulkFirst ? " and sized to powers of two" : "") + "); split it into smaller messages");
        }
        return o;
    }

    static byte arrayKind(Class<?> c) {
        if (c == byte[].class) {
            return BYTES;
        } else if (c == double[].class) {
            return DOUBLES;
        } else if (c == int[].class) {
            return INTS;
        } else if (c == long[].class) {
            return LONGS;
        } else if (c == float[].class) {
            return FLOATS;
        } else if (c == short[].class) {
            return SHORTS;
        } else if (c == char[].class) {
            return CHARS;
        } else if (c == boolean[].class) {
            return BOOLEANS;
        }
        return NULL;
    }

    private static int elementBytes(byte kind) {
        switch (kind) {
            case SHORTS:
            case CHARS:
                return 2;
            case INTS:
            case FLOATS:
                return 4;
            case LONGS:
            case DOUBLES:
                return 8;
            default:
                return 1;
        }
    }

    private static void header(byte[] b, byte kind, boolean chunked, int seq, long bytes) {
        ByteBuffer h = ByteBuffer.wrap(b, 0, HEADER).order(ORDER);
        h.put(0, kind).put(1, (byte) (chunked ? 1 : 0)).putInt(4, seq).putLong(8, bytes);
    }

    /**
     * Copies {@code n} elements of the array {@code a} from {@code from} into {@code b} from {@code at}, in native
     * byte order.
     */
    private static void toBytes(Object a, int from, byte kind, int n, byte[] b, int at) {
        ByteBuffer w = ByteBuffer.wrap(b, at, b.length - at).slice().order(ORDER);
        switch (kind) {
            case BYTES -> System.arraycopy(a, from, b, at, n);
            case SHORTS -> w.asShortBuffer().put((short[]) a, from, n);
            case INTS -> w.asIntBuffer().put((int[]) a, from, n);
            case LONGS -> w.asLongBuffer().put((long[]) a, from, n);
            case FLOATS -> w.asFloatBuffer().put((float[]) a, from, n);
            case DOUBLES -> w.asDoubleBuffer().put((double[]) a, from, n);
            case CHARS -> w.asCharBuffer().put((char[]) a, from, n);
            case BOOLEANS -> {
                boolean[] z = (boolean[]) a;
                for (int i = 0; i < n; i++) {
                    b[at + i] = (byte) (z[from + i] ? 1 : 0);
                }
            }
            default -> System.arraycopy(a, from, b, at, n); // string and object bytes
        }
    }

    /** Copies {@code n} elements from {@code b} at {@code at} into the array {@code a} from {@code to}. */
    private static void fromBytes(byte[] b, int at, byte kind, int n, Object a, int to) {
        ByteBuffer r = ByteBuffer.wrap(b, at, b.length - at).slice().order(ORDER);
        switch (kind) {
            case BYTES -> System.arraycopy(b, at, a, to, n);
            case SHORTS -> r.asShortBuffer().get((short[]) a, to, n);
            case INTS -> r.asIntBuffer().get((int[]) a, to, n);
            case LONGS -> r.asLongBuffer().get((long[]) a, to, n);
            case FLOATS -> r.asFloatBuffer().get((float[]) a, to, n);
            case DOUBLES -> r.asDoubleBuffer().get((double[]) a, to, n);
            case CHARS -> r.asCharBuffer().get((char[]) a, to, n);
            case BOOLEANS -> {
                boolean[] z = (boolean[]) a;
                for (int i = 0; i < n; i++) {
                    z[to + i] = b[at + i] != 0;
                }
            }
            default -> System.arraycopy(b, at, a, to, n);
        }
    }

    private static Object newArray(byte kind, int n) {
        switch (kind) {
            case SHORTS:
                return new short[n];
            case INTS:
                return new int[n];
            case LONGS:
                return new long[n];
            case FLOATS:
                return new float[n];
            case DOUBLES:
                return new double[n];
            case CHARS:
                return new char[n];
            case BOOLEANS:
                return new boolean[n];
            default:
                return new byte[n];
        }
    }

    /** A received header: what follows and from whom. */
    private static final class In {
        byte kind;
        boolean chunked;
        int seq;
        long bytes;
        int elements;
        int source;
        int tag;
        /** The payload: the landing buffer (inline, from {@link #HEADER}), or the array the bulk part went into. */
        byte[] landing;
        Object whole;
        /** Where in {@link #whole} the bulk part goes (a block of a larger array, see {@link #receiveBlock}). */
        int offset;

        static In read(byte[] landing, int count) {
            if (count < HEADER) {
                throw new JparException("MPJ Express delivered a message of " + count + " bytes, shorter than jpar's "
                        + HEADER + "-byte header: is every rank running the same jpar version?");
            }
            ByteBuffer h = ByteBuffer.wrap(landing, 0, HEADER).order(ORDER);
            In in = new In();
            in.kind = h.get(0);
            in.chunked = h.get(1) != 0;
            in.seq = h.getInt(4);
            in.bytes = h.getLong(8);
            in.elements = (int) (in.bytes / elementBytes(in.kind));
            in.landing = landing;
            return in;
        }
    }

    // ---------------------------------------------------------------- point to point

    @Override
    public void send(Object message, int dest, int tag) {
        post(message, dest, tag);
    }

    @Override
    public Request<Void> isend(Object message, int dest, int tag) {
        post(message, dest, tag);
        return DoneSend.INSTANCE;
    }

    /** Posts {@code message} (MPJ copies it before returning) and keeps the requests until MPJ completes them. */
    private void post(Object message, int dest, int tag) {
        checkOpen();
        post(prepare(message), dest, tag);
    }

    /**
     * Sends {@code length} elements of the primitive array {@code array} from {@code offset} to {@code dest}, as a
     * message of an array of {@code length} elements (as {@link #send} of a copy of that block would, without the
     * copy: MPJ packs the block straight from {@code array}). Returns, as {@link #send} does, once MPJ copied it.
     */
    void sendBlock(Object array, int offset, int length, int dest, int tag, int seq) {
        checkOpen();
        byte kind = arrayKind(array.getClass());
        Out o = checkSize(new Out(kind, array, offset, length, (long) length * elementBytes(kind)));
        o.seq = seq;
        post(o, dest, tag);
    }

    /** Sequence numbers of ordinary bulk parts: below {@link #BLOCK_TAG}, whose tags are all-to-all blocks'. */
    private static final int SEQ_MASK = (1 << 30) - 1;
    /** Set in the tag of an all-to-all block's bulk part that its receiver may have posted the receive of early. */
    private static final int BLOCK_TAG = 1 << 30;
    /**
     * All-to-alls of this many ranks or more post their receives early on multicore ({@link #postsBlocksEarly}). At 2
     * ranks, measured again once matching blocks went without headers: 1 MiB 1.23-1.27x MPJ's own against 1.06-1.10x
     * without early receives (2026-12-02).
     */
    private static final int EARLY_RANKS = 3;
    /** Blocks of this many elements or more have no {@link #blockTag} (their length does not fit in it). */
    private static final int BLOCK_TAG_MAX = 1 << 24;

    /**
     * @return the tag of the bulk part of all-to-all number {@code call} (on this communicator) of a block of
     *         {@code length} elements of {@code kind}, or -1 for a block sent inline or too long for such a tag. The
     *         same on every rank for the same call, kind and length, and different for any other (of the two calls a
     *         rank can be apart from another: it leaves an all-to-all only with every rank's block of it), so a
     *         receive posted early with its own block's tag only ever takes a block that matches it.
     */
    int blockTag(int call, byte kind, int length) {
        if (length >= BLOCK_TAG_MAX || (long) length * elementBytes(kind) <= landing - HEADER) {
            return -1;
        }
        return BLOCK_TAG | (call & 3) << 28 | kind << 24 | length;
    }

    /**
     * Sends {@code message} as {@link #send} does, but on the multicore device a large message returns only once
     * {@code dest} took its bulk part (MPJ copied it into {@code dest}'s receive), as MPJ's own blocking {@code Send}
     * does: so a sender that sends again and again (a broadcast's root) does not run ahead of its receiver with
     * every message it sent held in MPJ's buffers (1 MiB {@code broadcastInto}, 2 ranks, paired ratio to MPJ's own
     * {@code Bcast} on a loaded machine: 1.09-1.62 running ahead, 0.94-1.20 waiting). MPI lets a standard-mode send
     * wait for its receiver; only collectives use this, where every send is matched by a receive its receiver posts
     * without waiting for this rank.
     */
    void sendAwaitingReceiver(Object message, int dest, int tag) {
        checkOpen();
        Object taken = post(prepare(message), dest, tag);
        if (taken != null && dest != rank) {
            awaitTaken(taken);
        }
    }

    /**
     * Waits until MPJ completed the send {@code request} (kept in {@link #sends}), testing it whenever this rank's
     * doorbell rings: the receiver of a bulk part rings it once it posted the bulk part's receive (see
     * {@link #ringSender}).
     */
    private void awaitTaken(Object request) {
        Doorbell bell = bells[worldRanks[rank]];
        while (true) {
            long seen = bell.rings();
            sweeping.lock(); // a request is tested by one thread at a time (see sweepSends)
            try {
                if (!sends.contains(request)) {
                    return; // a sweep found it complete
                }
                if (mpj.test(request) != null) {
                    sends.remove(request);
                    sendCount.decrementAndGet();
                    return;
                }
            } finally {
                sweeping.unlock();
            }
            checkOpen();
            bell.await(seen);
        }
    }

    /**
     * multicore: rings the doorbell of the sender of {@code in} once this rank posted the receive of its bulk part,
     * which takes the bulk part from the sender's queued send (see {@link #sendAwaitingReceiver}).
     */
    private void ringSender(In in) {
        if (bells != null) {
            bells[worldRanks[in.source]].ring();
        }
    }

    /** @return multicore: the bulk part's send request of a large message (to wait for its receiver), else null */
    private Object post(Out o, int dest, int tag) {
        Object taken = null;
        Object comm = comm(tag);
        int mpjTag = mpjTag(tag);
        byte[] head = scratch.get();
        if (o.bytes <= landing - HEADER) {
            header(head, o.kind, false, 0, o.bytes);
            if (o.payload != null) {
                toBytes(o.payload, o.offset, o.kind, o.elements, head, HEADER);
            }
            keep(mpj.isend(comm, head, 0, HEADER + (int) o.bytes, types[BYTES], dest, mpjTag));
        } else {
            // The bulk part has its own communicator and tag, so the order of the two is free. multicore: the bulk
            // part first, so that when the header arrives the bulk part is already there to be taken (the receiver
            // waits once, not twice). niodev: the header first: the bulk part (above 128 KiB) goes by MPJ's
            // rendezvous, whose data can only flow once the receiver posted its receive; the earlier the header
            // arrives, the sooner it does. So niodev sends it in pieces below that protocol's threshold (see piece).
            int seq = o.seq >= 0 ? o.seq : sequence.getAndIncrement() & SEQ_MASK;
            if (bulkFirst) {
                taken = mpj.isend(bulk, o.payload, o.offset, o.elements, types[o.kind], dest, seq);
                keep(taken);
            }
            header(head, o.kind, true, seq, o.bytes);
            keep(mpj.isend(comm, head, 0, HEADER, types[BYTES], dest, mpjTag));
            if (!bulkFirst) {
                int per = perPiece(o.kind, o.elements);
                for (long at = 0; at < o.elements; at += per) { // long: near 2 GiB, at + per passes int's range
                    keep(mpj.isend(bulk, o.payload, o.offset + (int) at, (int) Math.min(per, o.elements - at),
                            types[o.kind], dest, seq));
                }
            }
        }
        if (bells != null) {
            bells[worldRanks[dest]].ring(); // MPJ copied the message into the receive if dest had posted it
        }
        return taken;
    }

    /**
     * Keeps {@code request} until MPJ completes it, after handing back the sends MPJ completed since the last one
     * (their buffers then go back to MPJ's pool at once, warm, for the next message).
     */
    private void keep(Object request) {
        if (sendCount.get() > 0 && sweeping.tryLock()) { // another thread sweeping does it for this one
            try {
                sweepSends();
            } finally {
                sweeping.unlock();
            }
        }
        sends.add(request);
        sendCount.incrementAndGet();
    }

    /**
     * Forgets the sends MPJ completed (oldest first, up to the first that is still under way). Only under
     * {@link #sweeping}: MPJ runs a request's completion (which frees its buffer) in every {@code Test} that finds it
     * complete, so two threads testing one request would free its buffer twice.
     */
    private void sweepSends() {
        for (Iterator<Object> it = sends.iterator(); it.hasNext(); ) {
            Object r = it.next();
            if (mpj.test(r) == null) {
                return;
            }
            it.remove();
            sendCount.decrementAndGet();
        }
    }

    /**
     * Waits (at most {@code millis}) until MPJ completed every send of this rank: niodev delivers a large message
     * only once its receiver asks for it, so a rank that ends must not take its last messages with it.
     *
     * @return true if every send completed
     */
    boolean drainSends(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!sends.isEmpty()) {
            sweeping.lock();
            try {
                sweepSends();
            } finally {
                sweeping.unlock();
            }
            if (sends.isEmpty()) {
                return true;
            } else if (System.nanoTime() > deadline) {
                return false;
            } else {
                LockSupport.parkNanos(100_000);
            }
        }
        return true;
    }

    @Override
    public Envelope<Object> receive(int source, int tag, Object buffer) {
        checkOpen();
        In stashed = takeProbed(source, tag);
        if (stashed != null) {
            return open(stashed, buffer, source, tag);
        }
        In in = receiveHead(source, tag);
        if (in.chunked) {
            in.whole = target(in, buffer);
            receiveBulk(in);
        }
        return open(in, buffer, source, tag);
    }

    /** Receives a message's header message (with the payload, when it is inline) into this thread's landing buffer. */
    private In receiveHead(int source, int tag) {
        byte[] landing = scratch.get();
        Object status = recv(comm(tag), landing, 0, this.landing, types[BYTES],
                source == ANY_SOURCE ? anySource : source, tag == ANY_TAG ? anyTag : mpjTag(tag));
        In in = In.read(landing, mpj.count(status, types[BYTES]));
        in.source = mpj.source(status);
        in.tag = tag < 0 && tag != ANY_TAG ? tag : mpj.tag(status);
        return in;
    }

    /**
     * Receives from {@code source} (a rank, not {@code ANY_SOURCE}) a message that must be an array of
     * {@code array}'s type and {@code length} elements, straight into {@code array} from {@code offset} (a large
     * message's bulk part lands there, as {@link #receive} lands it in a whole buffer).
     *
     * @return null if it was such an array; else a description of what was sent (the message is taken all the same)
     */
    String receiveBlock(int source, int tag, Object array, int offset, int length) {
        checkOpen();
        byte kind = arrayKind(array.getClass());
        In in = takeProbed(source, tag);
        if (in == null) {
            in = receiveHead(source, tag);
            if (in.chunked) {
                if (in.kind == kind && in.elements == length) {
                    in.whole = array;
                    in.offset = offset;
                } else {
                    in.whole = newArray(in.kind, in.elements);
                }
                receiveBulk(in);
            }
        }
        return takeBlock(in, kind, array, offset, length);
    }

    /**
     * Receives one block of {@code length} elements of {@code array}'s type from every other rank {@code r}, as
     * {@link #receiveBlock} does, straight into {@code array} from {@code r * length}, and returns only once every
     * block is taken, even those that do not match (so no block is left behind for the next message of {@code tag}).
     * On the multicore device the header of every block is posted at once and each block is taken as it arrives
     * (its bulk part's receive posted as soon as its header is there), so a rank that sends late holds up only its
     * own block; niodev takes them in rank order (its waits block in MPJ, see {@link #recv}).
     *
     * <p>On multicore from 3 ranks on, a block {@link #sendBlocks} sent with no header ({@code bare}) is its receive
     * posted early, waited for.
     *
     * @return by rank, a description of what each rank sent whose block did not match (null for those that did, and
     *         for this rank)
     */
    String[] receiveBlocks(int tag, Object array, int length, int call, Object[] early, boolean[] bare) {
        checkOpen();
        int n = size;
        String[] wrong = new String[n];
        if (bells == null) {
            for (int i = 1; i < n; i++) {
                int from = (rank - i + n) % n;
                wrong[from] = receiveBlock(from, tag, array, from * length, length);
            }
            return wrong;
        }
        byte kind = arrayKind(array.getClass());
        Object comm = comm(tag);
        int mpjTag = mpjTag(tag);
        byte[][] lands = landings(n);
        Object[] heads = new Object[n];
        Object[] bodies = new Object[n];
        In[] ins = new In[n];
        int pending = 0;
        for (int i = 1; i < n; i++) {
            int from = (rank - i + n) % n;
            if (bare[from]) { // no header: the receive posted early takes the block itself
                bodies[from] = early[from];
                early[from] = null;
                pending++;
                continue;
            }
            In in = takeProbed(from, tag);
            if (in != null) { // a probe took its header (and bulk part) already
                wrong[from] = takeBlock(in, kind, array, from * length, length);
            } else {
                heads[from] = mpj.irecv(comm, lands[from], 0, landing, types[BYTES], from, mpjTag);
                pending++;
            }
        }
        Doorbell bell = bells[worldRanks[rank]];
        while (pending > 0) {
            long seen = bell.rings();
            boolean moved = false;
            for (int from = 0; from < n; from++) {
                if (heads[from] != null) {
                    Object status = mpj.test(heads[from]);
                    if (status == null) {
                        continue;
                    }
                    heads[from] = null;
                    moved = true;
                    In in = In.read(lands[from], mpj.count(status, types[BYTES]));
                    in.source = from;
                    in.tag = tag;
                    boolean same = in.kind == kind && in.elements == length;
                    if (!same && in.elements < BLOCK_TAG_MAX && postsBlocksEarly(call, in.kind, in.elements)) {
                        // the sender posted its receive of this rank's block early, with a tag of its block's
                        // kind and length, which this rank's block does not have: an empty message ends it
                        keep(mpj.isend(bulk, newArray(in.kind, 0), 0, 0, types[in.kind], from,
                                blockTag(call, in.kind, in.elements)));
                        bells[worldRanks[from]].ring();
                    }
                    if (in.chunked) {
                        if (same) {
                            in.whole = array;
                            in.offset = from * length;
                        } else {
                            in.whole = newArray(in.kind, in.elements);
                        }
                        ins[from] = in;
                        bodies[from] = mpj.irecv(bulk, in.whole, in.offset, in.elements, types[in.kind], from, in.seq);
                        ringSender(in);
                        // bulkFirst: its send is queued already, so the receive just posted is mostly complete
                    } else {
                        wrong[from] = takeBlock(in, kind, array, from * length, length);
                        pending--;
                        continue;
                    }
                }
                if (bodies[from] != null && mpj.test(bodies[from]) != null) {
                    bodies[from] = null;
                    moved = true;
                    wrong[from] = ins[from] == null ? null : takeBlock(ins[from], kind, array, from * length, length);
                    ins[from] = null;
                    pending--;
                }
            }
            if (!moved) {
                bell.await(seen);
            }
        }
        for (int from = 0; early != null && from < n; from++) {
            if (early[from] != null) { // a block that did not match: its sender ends this receive with an empty message
                awaitReceive(early[from]);
            }
        }
        return wrong;
    }

    /**
     * Sends this rank's all-to-all blocks: {@code length} elements of {@code send} from {@code r * length} to each
     * other rank {@code r}, as messages of {@code tag}. On multicore from 3 ranks on, it first publishes its blocks'
     * tag ({@code seq}: {@link #blockTag}, or -1) on the group's {@link BlockBoard} (after {@link #postBlocksEarly}),
     * then sends to each rank as soon as that rank published its own: where both are the same block tag, the bulk part
     * alone, into the receive that rank posted early (1 MiB at 4 ranks: 0.89-0.93x MPJ's own {@code Alltoall} so,
     * 1.09-1.12x with a header per block, 2026-12-02); otherwise, as everywhere else, header and bulk part
     * ({@link #sendBlock}). A rank with no block tag sends headers at once; a rank with one waits for each rank's tag
     * (every rank publishes its own on entering, before it waits for anything).
     *
     * @return by rank, true where the block went with no header; the pair is symmetric, so the block from that rank
     *         comes with none either
     */
    boolean[] sendBlocks(Object send, int length, int call, int tag, int seq) {
        int n = size;
        boolean[] bare = new boolean[n];
        boolean shared = board != null && n >= EARLY_RANKS; // as postsBlocksEarly
        if (shared) {
            board.publish(call, rank, seq);
        }
        if (!shared || seq < 0) { // headers to every rank; each send rings its receiver's bell
            for (int i = 1; i < n; i++) {
                int to = (rank + i) % n;
                sendBlock(send, to * length, length, to, tag, shared ? -1 : seq);
            }
            return bare;
        }
        for (int i = 1; i < n; i++) {
            bells[worldRanks[(rank + i) % n]].ring(); // a rank may wait for this rank's tag
        }
        boolean[] sent = new boolean[n];
        Doorbell bell = bells[worldRanks[rank]];
        for (int left = n - 1; left > 0; ) {
            long seen = bell.rings();
            boolean moved = false;
            for (int i = 1; i < n; i++) {
                int to = (rank + i) % n;
                long theirs = sent[to] ? BlockBoard.NOT_YET : board.tag(call, to);
                if (theirs == BlockBoard.NOT_YET) {
                    continue;
                }
                sent[to] = true;
                moved = true;
                left--;
                if (seq >= 0 && theirs == seq) {
                    bare[to] = true;
                    checkOpen();
                    keep(mpj.isend(bulk, send, to * length, length, types[arrayKind(send.getClass())], to, seq));
                    bells[worldRanks[to]].ring();
                } else {
                    sendBlock(send, to * length, length, to, tag, -1);
                }
            }
            if (!moved) {
                bell.await(seen);
            }
        }
        return bare;
    }

    /**
     * @return true if a rank whose all-to-all blocks have {@code kind} and {@code length} posts their receives early
     *         ({@link #postBlocksEarly}): on the multicore device, for blocks with a {@link #blockTag}, from 3 ranks on
     *         (at 2, measured, the early receives made a 1 MiB all-to-all slower: 1.18x MPJ's own against 1.03x; at 3
     *         1.04x against 1.12x, at 4 1.10-1.16x against 1.27-1.33x, and 0.89-0.93x once the pairs whose blocks match
     *         dropped their headers, {@link #sendBlocks}). The same answer on every rank for the same
     *         block, which the empty messages of {@link #receiveBlocks} rely on.
     */
    boolean postsBlocksEarly(int call, byte kind, int length) {
        return bells != null && size >= EARLY_RANKS && blockTag(call, kind, length) >= 0;
    }

    /**
     * multicore: posts the receive of every other rank's block of all-to-all number {@code call} straight into
     * {@code array}, before this rank sends its own blocks, as MPJ's own {@code Alltoall} posts its receives first:
     * a block whose receive is posted is copied by MPJ once, by its sender, where one that arrives first waits in
     * MPJ's queue of unexpected messages (1 MiB at 4 ranks: 1.27-1.33x MPJ's own time that way, 1.10-1.16x this
     * way). Such a receive takes only a bulk part tagged with this rank's block's kind and length ({@link #blockTag});
     * a rank whose block differs sends an empty message with that tag instead (see {@link #receiveBlocks}).
     *
     * @return the receives by rank, or null where none are posted early (see {@link #postsBlocksEarly})
     */
    Object[] postBlocksEarly(int call, Object array, int length) {
        byte kind = arrayKind(array.getClass());
        if (!postsBlocksEarly(call, kind, length)) {
            return null;
        }
        int t = blockTag(call, kind, length);
        Object[] early = new Object[size];
        for (int i = 1; i < size; i++) {
            int from = (rank - i + size) % size;
            early[from] = mpj.irecv(bulk, array, from * length, length, types[kind], from, t);
        }
        return early;
    }

    /**
     * The end of {@link #receiveBlock} for a header {@code in} whose bulk part (if any) was received: copies an inline
     * payload into {@code array} from {@code offset}.
     *
     * @return null if it was an array of {@code kind} and {@code length} elements, else a description of what was sent
     */
    private String takeBlock(In in, byte kind, Object array, int offset, int length) {
        if (in.kind != kind || in.elements != length) {
            return PrimitiveArrays.describe(value(in));
        }
        if (!in.chunked) {
            fromBytes(in.landing, HEADER, in.kind, in.elements, array, offset);
        } else if (in.whole != array) { // a probe received it
            System.arraycopy(in.whole, 0, array, offset, length);
        }
        return null;
    }

    /** @return this thread's landing buffers for {@link #receiveBlocks}, one per rank of a group of {@code n} */
    private byte[][] landings(int n) {
        byte[][] l = landings.get();
        if (l.length < n) {
            l = new byte[n][];
            landings.set(l);
        }
        for (int i = 0; i < n; i++) {
            if (l[i] == null) {
                l[i] = new byte[landing];
            }
        }
        return l;
    }

    /**
     * MPJ's blocking {@code Recv}; on the multicore device an {@code Irecv} this thread waits for itself (see
     * {@link #awaitReceive}).
     *
     * @return the {@code Status}
     */
    private Object recv(Object comm, Object buf, int offset, int count, Object type, int source, int tag) {
        if (bells == null) {
            return mpj.recv(comm, buf, offset, count, type, source, tag);
        }
        return awaitReceive(mpj.irecv(comm, buf, offset, count, type, source, tag));
    }

    /**
     * MPJ's {@code Wait} on {@code request}, a receive. The multicore device's own wait can return before the message
     * is there (see {@link Doorbell}), so there this thread tests the request until MPJ has matched it, parking on the
     * rank's doorbell in between; {@code Test} then completes it without waiting in MPJ.
     *
     * @return the {@code Status}
     */
    private Object awaitReceive(Object request) {
        if (bells == null) {
            return mpj.waitFor(request);
        }
        Doorbell bell = bells[worldRanks[rank]];
        long heapFullSince = 0;
        while (true) {
            try {
                long seen = bell.rings();
                Object status = mpj.test(request);
                if (status != null) {
                    return status;
                }
                bell.await(seen);
                heapFullSince = 0;
            } catch (OutOfMemoryError e) {
                // multicore's ranks share one heap: a rank that only waits here (its test and its park allocate a
                // little) must not take the blame for a rank that fills the heap, whose own allocation fails soon
                long now = System.nanoTime();
                if (heapFullSince == 0) {
                    heapFullSince = now;
                } else if (now - heapFullSince > HEAP_FULL_PATIENCE_NANOS) {
                    throw e;
                }
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    /** How long a multicore receive waits out a full heap before it fails itself (see {@link #awaitReceive}). */
    private static final long HEAP_FULL_PATIENCE_NANOS = 5_000_000_000L;

    /** Receives the bulk part of {@code in} into {@code in.whole} (in pieces as the sender sent it). */
    private void receiveBulk(In in) {
        if (piece == 0 && bells != null) {
            Object r = mpj.irecv(bulk, in.whole, in.offset, in.elements, types[in.kind], in.source, in.seq);
            ringSender(in);
            awaitReceive(r);
            return;
        } else if (piece == 0) {
            recv(bulk, in.whole, in.offset, in.elements, types[in.kind], in.source, in.seq);
            return;
        }
        for (Object r : postBulk(in)) {
            awaitReceive(r);
        }
    }

    /** @return the elements of each piece of a bulk part of {@code elements} of {@code kind} (all of them: one piece) */
    private int perPiece(byte kind, int elements) {
        return piece == 0 ? elements : Math.max(1, piece / elementBytes(kind));
    }

    /** @return the posted receives of the bulk part of {@code in}: one, or one per piece (niodev, {@link #piece}) */
    private Object[] postBulk(In in) {
        int per = perPiece(in.kind, in.elements);
        Object[] r = new Object[(int) ((in.elements + (long) per - 1) / per)];
        for (int i = 0; i < r.length; i++) {
            long at = (long) i * per;
            r[i] = mpj.irecv(bulk, in.whole, in.offset + (int) at, (int) Math.min(per, in.elements - at),
                    types[in.kind], in.source, in.seq);
        }
        ringSender(in);
        return r;
    }

    /** @return the array a large message's bulk part goes into: the receiver's buffer when it fits, else a new one */
    private static Object target(In in, Object buffer) {
        boolean fits = buffer != null && in.kind == arrayKind(buffer.getClass())
                && in.elements <= java.lang.reflect.Array.getLength(buffer);
        return fits ? buffer : newArray(in.kind, in.elements);
    }

    /** Turns a received message into what the receiver asked for: a new value, or its buffer filled. */
    private Envelope<Object> open(In in, Object buffer, int source, int tag) {
        if (buffer == null) {
            return new Envelope<>(value(in), in.source, in.tag, in.bytes);
        }
        if (in.kind == arrayKind(buffer.getClass()) && in.elements <= java.lang.reflect.Array.getLength(buffer)) {
            if (!in.chunked) {
                fromBytes(in.landing, HEADER, in.kind, in.elements, buffer, 0);
            } else if (in.whole != buffer) { // a probe received it before the buffer was known
                System.arraycopy(in.whole, 0, buffer, 0, in.elements);
            }
            return new Envelope<>(buffer, in.source, in.tag, in.bytes);
        }
        Object sent = value(in);
        throw PrimitiveArrays.mismatch(source, tag, buffer, sent, in.source, in.tag);
    }

    private Object value(In in) {
        if (in.kind == NULL) {
            return null;
        }
        Object payload = in.whole;
        if (payload == null) {
            payload = newArray(in.kind, in.elements);
            fromBytes(in.landing, HEADER, in.kind, in.elements, payload, 0);
        }
        if (in.kind == STRING) {
            return new String((byte[]) payload, StandardCharsets.UTF_8);
        }
        if (in.kind == OBJECT) {
            return codec.decode((byte[]) payload);
        }
        return payload;
    }

    @Override
    public Request<Object> ireceive(int source, int tag, Object buffer) {
        checkOpen();
        In stashed = takeProbed(source, tag);
        if (stashed != null) {
            ReceiveRequest done = new ReceiveRequest(null, null, buffer, source, tag);
            done.arrived(stashed);
            return done;
        }
        byte[] landing = new byte[this.landing];
        Object head = mpj.irecv(comm(tag), landing, 0, this.landing, types[BYTES],
                source == ANY_SOURCE ? anySource : source, tag == ANY_TAG ? anyTag : mpjTag(tag));
        ReceiveRequest r = new ReceiveRequest(head, landing, buffer, source, tag);
        receives.add(r);
        wakeProgress();
        return r;
    }

    private Object comm(int tag) {
        return tag >= 0 || tag == ANY_TAG ? user : internal;
    }

    private static int mpjTag(int tag) {
        return tag >= 0 ? tag : -tag;
    }

    private void checkOpen() {
        if (closed) {
            throw new JparException("rank " + rank + " has finished (Par.finish() or the end of its "
                    + "try-with-resources) and can no longer communicate");
        }
    }

    // ---------------------------------------------------------------- progress

    /** Starts the progress thread on first use, or wakes it. */
    private void wakeProgress() {
        Thread t = progress;
        if (t == null) {
            synchronized (this) {
                t = progress;
                if (t == null) {
                    t = new Thread(progressGroup, this::progressLoop, "jpar-mpj-progress-" + rank);
                    t.setDaemon(true);
                    progress = t;
                    t.start();
                    return;
                }
            }
        }
        LockSupport.unpark(t);
    }

    /**
     * Moves every nonblocking receive on that nothing else is moving: tests its header, posts its bulk part's receive
     * once the header is there. Polls while receives are outstanding (from every 50 µs, backing off to 2 ms while
     * nothing changes), and sleeps while there are none.
     */
    private void progressLoop() {
        long pause = 50_000;
        while (!closed) {
            if (receives.isEmpty()) {
                LockSupport.park(this);
                pause = 50_000;
                continue;
            }
            boolean moved = false;
            for (ReceiveRequest r : receives) {
                moved |= r.tryAdvance();
            }
            pause = moved ? 50_000 : Math.min(2_000_000, pause * 2);
            LockSupport.parkNanos(this, pause);
        }
    }

    // ---------------------------------------------------------------- requests

    /** A nonblocking send: complete at once, since MPJ copied the message when it was posted (see the class comment). */
    private static final class DoneSend implements Request<Void> {
        static final DoneSend INSTANCE = new DoneSend();
        private static final Envelope<Void> ENVELOPE = new Envelope<>(null, -1, -1, 0);

        @Override
        public Void await() {
            return null;
        }

        @Override
        public Envelope<Void> awaitEnvelope() {
            return ENVELOPE;
        }

        @Override
        public boolean isDone() {
            return true;
        }
    }

    /** A nonblocking receive: the header's request, then (large messages) the bulk part's. */
    private final class ReceiveRequest implements Request<Object> {
        private final ReentrantLock lock = new ReentrantLock();
        private final int source;
        private final int tag;
        private final Object buffer;
        private final byte[] landing;
        private Object head;
        /** The bulk part's receives (one, or one per piece), completed in order up to {@link #next}. */
        private Object[] tail;
        private int next;
        private In in;
        private boolean arrived;
        private Envelope<Object> result;
        private RuntimeException failure;

        ReceiveRequest(Object head, byte[] landing, Object buffer, int source, int tag) {
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
                if (failure == null && result == null) {
                    try {
                        transfer(true);
                        open();
                    } catch (RuntimeException e) {
                        fail(e);
                    }
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
            lock.lock();
            try {
                if (failure == null && result == null) {
                    try {
                        if (transfer(false)) {
                            open();
                        }
                    } catch (RuntimeException e) {
                        fail(e);
                    }
                }
                return result != null || failure != null;
            } finally {
                lock.unlock();
            }
        }

        /** For the progress thread: moves the transfer on without blocking, unless another thread is at it. */
        boolean tryAdvance() {
            if (!lock.tryLock()) {
                return false;
            }
            try {
                if (failure != null || arrived) {
                    receives.remove(this);
                    return false;
                }
                Object before = head;
                boolean done = transfer(false);
                return done || head != before;
            } catch (RuntimeException e) {
                fail(e);
                return true;
            } finally {
                lock.unlock();
            }
        }

        private void fail(RuntimeException e) {
            failure = e;
            receives.remove(this);
        }

        /** The message a probe already received. */
        void arrived(In message) {
            in = message;
            arrived = true;
        }

        /** @return true once MPJ delivered the whole message */
        private boolean transfer(boolean block) {
            if (arrived) {
                return true;
            }
            if (head != null) {
                Object status = block ? awaitReceive(head) : mpj.test(head);
                if (status == null) {
                    return false;
                }
                head = null;
                in = In.read(landing, mpj.count(status, types[BYTES]));
                in.source = mpj.source(status);
                in.tag = tag < 0 && tag != ANY_TAG ? tag : mpj.tag(status);
                if (in.chunked) {
                    in.whole = target(in, buffer);
                    tail = postBulk(in);
                }
            }
            while (tail != null && next < tail.length) {
                Object status = block ? awaitReceive(tail[next]) : mpj.test(tail[next]);
                if (status == null) {
                    return false;
                }
                tail[next++] = null;
            }
            tail = null;
            arrived = true;
            receives.remove(this);
            return true;
        }

        private void open() {
            if (result == null && failure == null) {
                result = MpjTransport.this.open(in, buffer, source, tag);
                in = null;
            }
        }
    }

    // ---------------------------------------------------------------- probe

    /**
     * {@code MPI_Probe}/{@code MPI_Iprobe}. MPJ's probe tells only the source, the tag and the size of jpar's header
     * message, not the value's type and size, which the header carries; so a probe that finds a message receives it
     * (with its bulk part) into this rank's list of probed messages, and the next receive that matches takes it from
     * there before asking MPJ. Messages from one sender with one tag keep their order.
     */
    @Override
    public Envelope<Void> probe(int source, int tag, boolean block) {
        checkOpen();
        synchronized (probed) {
            for (In in : probed) {
                if (matches(in, source, tag)) {
                    return envelope(in);
                }
            }
        }
        int mpjSource = source == ANY_SOURCE ? anySource : source;
        int mpjTag = tag == ANY_TAG ? anyTag : mpjTag(tag);
        if (!block && mpj.iprobe(comm(tag), mpjSource, mpjTag) == null) {
            return null;
        }
        byte[] landing = new byte[this.landing];
        Object status = recv(comm(tag), landing, 0, this.landing, types[BYTES], mpjSource, mpjTag);
        In in = In.read(landing, mpj.count(status, types[BYTES]));
        in.source = mpj.source(status);
        in.tag = tag < 0 && tag != ANY_TAG ? tag : mpj.tag(status);
        if (in.chunked) {
            in.whole = newArray(in.kind, in.elements);
            receiveBulk(in);
        }
        synchronized (probed) {
            probed.add(in);
        }
        return envelope(in);
    }

    private static boolean matches(In in, int source, int tag) {
        return (source == ANY_SOURCE || in.source == source) && (tag == ANY_TAG ? in.tag >= 0 : in.tag == tag);
    }

    /** @return the oldest probed message that matches, taken off the list, or null */
    private In takeProbed(int source, int tag) {
        if (probed.isEmpty()) {
            return null;
        }
        synchronized (probed) {
            for (java.util.Iterator<In> it = probed.iterator(); it.hasNext(); ) {
                In in = it.next();
                if (matches(in, source, tag)) {
                    it.remove();
                    return in;
                }
            }
        }
        return null;
    }

    private static Envelope<Void> envelope(In in) {
        return new Envelope<>(null, in.source, in.tag, in.bytes, typeName(in));
    }

    private static String typeName(In in) {
        switch (in.kind) {
            case NULL:
                return "null";
            case STRING:
                return "java.lang.String";
            case OBJECT: {
                byte[] b = in.whole != null ? (byte[]) in.whole
                        : java.util.Arrays.copyOfRange(in.landing, HEADER, HEADER + (int) in.bytes);
                String name = ObjectCodec.className(b);
                return name != null ? name : "";
            }
            default:
                return newArray(in.kind, 0).getClass().getTypeName();
        }
    }

    // ---------------------------------------------------------------- groups, collectives, abort

    /**
     * {@code MPI_Comm_split}: the ranks agree on the new groups with jpar's own allgather of (colour, key) on this
     * group, then each new group's members make its communicator with MPJ's {@code Intracomm.Create} (MPJ's
     * {@code Split} gets its groups wrong when communicators are made and dropped in quick succession), and its three
     * duplicates (user, collectives, bulk), so its messages never mix with this group's. MPJ's {@code Comm.Free} does
     * nothing, so a closed group's communicators stay allocated in MPJ until the job ends.
     */
    @Override
    public Transport split(int color, int key) {
        checkOpen();
        Object[] all = collectives().allgather(new int[] {color, key});
        int split = splits++;
        if (color == org.jpar.Par.UNDEFINED) {
            return null;
        }
        java.util.List<int[]> members = new java.util.ArrayList<>();
        for (int r = 0; r < all.length; r++) {
            int[] ck = (int[]) all[r];
            if (ck[0] == color) {
                members.add(new int[] {ck[1], r});
            }
        }
        members.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        int[] ranks = new int[members.size()];
        for (int i = 0; i < ranks.length; i++) {
            ranks[i] = members.get(i)[1];
        }
        Object comm = mpj.create(world, ranks);
        if (comm == null) {
            throw new JparException("MPJ Express: Intracomm.Create gave no communicator to rank " + rank
                    + " of its own group " + java.util.Arrays.toString(ranks));
        }
        int[] worldOf = new int[ranks.length];
        for (int i = 0; i < ranks.length; i++) {
            worldOf[i] = worldRanks[ranks[i]];
        }
        return new MpjTransport(mpj, device, codecLoader, progressGroup, comm, parent != null ? parent : this, bells,
                worldOf, board == null ? null : board.child(split, color, ranks.length));
    }

    @Override
    public Collectives collectives() {
        Collectives c = collectives;
        if (c == null) {
            c = new MpjCollectives(this);
            collectives = c;
        }
        return c;
    }

    /**
     * Every collective over jpar's point-to-point messages, but niodev's barrier: MPJ's own, on the collectives'
     * communicator. The multicore device's barrier is jpar's too: MPJ's waits in the device's semaphore, whose
     * spurious wakeup would let a rank out of the barrier early (see {@link Doorbell}).
     */
    private static final class MpjCollectives extends PointToPointCollectives {
        private final MpjTransport mt;
        /**
         * All-to-alls called on this communicator (the same count at every rank: see {@link MpjTransport#blockTag}).
         */
        private int calls;

        MpjCollectives(MpjTransport t) {
            super(t);
            this.mt = t;
        }

        /**
         * All-to-all of primitive arrays: every block goes out straight from {@code send} (MPJ packs it from there)
         * and comes in straight into {@code recv}, with no block copied in between (the pairwise exchange of
         * {@link PointToPointCollectives} goes through two scratch blocks, two more copies of each block). On the
         * multicore device from 3 ranks on, the receives of large blocks are posted first, as MPJ's own
         * {@code Alltoall} does ({@link MpjTransport#postBlocksEarly}; an in-place {@code send} is copied first for
         * them), and a pair of ranks whose blocks match sends them with no header ({@link MpjTransport#sendBlocks}).
         * Then every send is posted: jpar's sends return once MPJ copied the block, so elsewhere
         * {@code send} may be {@code recv}; then this rank's own block is copied (the other ranks already have their
         * blocks while it is: copied first, it held up every send by its time, 512 KiB at 1 MiB and 2 ranks), then
         * the blocks are received ({@link MpjTransport#receiveBlocks}: on multicore in the order they arrive). A
         * block of the wrong type or length is an error once every block is received, so the next all-to-all finds
         * none of this one's blocks left.
         */
        @Override
        public void alltoall(Object send, Object recv) {
            mt.checkOpen();
            int n = mt.size;
            int me = mt.rank;
            int block = java.lang.reflect.Array.getLength(send) / n;
            int call = calls++;
            byte kind = arrayKind(send.getClass());
            int seq = mt.blockTag(call, kind, block);
            if (send == recv && mt.postsBlocksEarly(call, kind, block)) {
                send = PrimitiveArrays.copy(send); // the blocks' receives are posted first, into recv
            }
            Object[] early = mt.postBlocksEarly(call, recv, block);
            boolean[] bare = mt.sendBlocks(send, block, call, TAG_ALLTOALL, seq);
            if (send != recv) {
                System.arraycopy(send, me * block, recv, me * block, block);
            }
            String[] wrong = n > 1 ? mt.receiveBlocks(TAG_ALLTOALL, recv, block, call, early, bare) : new String[1];
            for (int i = 1; i < n; i++) {
                int from = (me - i + n) % n;
                if (wrong[from] != null) {
                    throw alltoallMismatch(me, block, send, from, wrong[from]);
                }
            }
        }

        /**
         * {@link PointToPointCollectives#broadcastInto}'s sends: on the multicore device each send of a large array
         * returns only once its receiver took it ({@link MpjTransport#sendAwaitingReceiver}), as in MPJ's own
         * {@code Bcast}.
         */
        @Override
        protected void sendBroadcastArray(Object array, int dest, int tag) {
            if (mt.bells == null) {
                super.sendBroadcastArray(array, dest, tag);
            } else {
                mt.sendAwaitingReceiver(array, dest, tag);
            }
        }

        @Override
        public void barrier() {
            mt.checkOpen();
            if (mt.bells != null) {
                super.barrier();
            } else if (mt.size > 1) {
                mt.mpj.barrier(mt.internal);
            }
        }
    }

    /**
     * {@code MPI_Abort}: says which rank stopped the job with which code, then ends the job with exit status
     * {@link Transport#exitStatus(int) exitStatus(code)}: in the multicore device the JVM halts; in niodev the
     * launcher stops every rank and exits with it. MPJ's own
     * {@code Abort} is not used: it exits its process with 0 and leaves the other ranks running.
     */
    @Override
    public void abort(int code) {
        int worldRank = parent != null ? parent.rank : rank;
        int worldSize = parent != null ? parent.size : size;
        System.out.flush();
        int status = Transport.exitStatus(code);
        System.err.println("jpar: rank " + worldRank + " of " + worldSize + " called abort(" + code + "): the job was "
                + "stopped (exit code " + status + ")");
        System.err.flush();
        if (device.equals(MpjEngine.NIODEV)) {
            Niodev.abort(status);
        } else {
            Multicore.abort(status);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Ends this rank's communication without waiting for the other ranks. MPJ's {@code MPI.Finalize} is left to the
     * end of the process ({@link #finish()}).
     */
    @Override
    public void close() {
        closed = true;
        Thread t = progress;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    boolean isClosed() {
        return closed;
    }


    /** {@code MPI.Finalize}. */
    void finish() {
        mpj.finish();
    }

    /** @return a short description for messages */
    @Override
    public String toString() {
        return "MPJ Express " + device + " rank " + rank + " of " + size;
    }
}
