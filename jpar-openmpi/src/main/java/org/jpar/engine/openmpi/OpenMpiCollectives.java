package org.jpar.engine.openmpi;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;

import org.jpar.Op;
import org.jpar.internal.MpiWire;
import org.jpar.spi.PointToPointCollectives;

/**
 * The Open MPI engine's collectives: every collective on primitive arrays with a built-in {@link Op} is one call of
 * Open MPI's own ({@code MPI_Reduce}, {@code MPI_Allreduce}, {@code MPI_Scan}, {@code MPI_Exscan},
 * {@code MPI_Reduce_scatter}, {@code MPI_Gatherv}, {@code MPI_Allgatherv}, {@code MPI_Scatterv}, {@code MPI_Alltoall},
 * {@code MPI_Bcast}) on the transport's own collective communicator (so a split or duplicated transport uses its
 * own); objects keep the point-to-point algorithms, barrier and object broadcast stay the transport's.
 *
 * <p>Types: {@code byte[]} {@code MPI.BYTE}, {@code short[]} {@code SHORT}, {@code char[]} {@code CHAR},
 * {@code int[]} {@code INT}, {@code long[]} {@code LONG}, {@code float[]} {@code FLOAT}, {@code double[]}
 * {@code DOUBLE}, {@code boolean[]} {@code BOOLEAN} (the bindings map it to {@code MPI_UINT8_T}, which takes the
 * logical and bitwise operators; Java stores a boolean as 0 or 1, and both operator families keep it so). What Open MPI
 * cannot do natively, and how jpar still does it:
 * <ul>
 *   <li>{@code MIN}/{@code MAX} on {@code byte[]}: the bindings' {@code MPI.BYTE} is {@code MPI_UINT8_T}
 *       (unsigned), which would order -1 above 1; the bytes go through the native call with their sign bit flipped
 *       (which maps signed order onto unsigned order) and are flipped back.</li>
 *   <li>{@code SUM}/{@code PROD} on {@code byte[] short[] char[]}: Open MPI 4.1's vectorized operators
 *       ({@code op/avx}) saturate 8- and 16-bit sums instead of wrapping (open-mpi/ompi#8045, closed "wontfix"),
 *       where Java and C wrap; these arrays are reduced as {@code int} (widened on the way in, narrowed on the way
 *       out: a wrapping int sum or product has the same low bits).</li>
 *   <li>{@code MINLOC}/{@code MAXLOC}: native on {@code int[]} pairs ({@code MPI.INT2}, {@code MPI_2INT}) only. The
 *       bindings have no pair type for {@code long}, {@code float} or {@code double} pairs whose index has the
 *       value's type ({@code MPI_2DOUBLE_PRECISION} is Fortran's; {@code MPI.DOUBLE_INT} is a {double, int}
 *       struct), so those take the point-to-point algorithm, as does a {@code reduceScatter} with MINLOC/MAXLOC and
 *       an odd block.</li>
 * </ul>
 *
 * <p>Buffers: arrays are staged through this thread's direct buffers (copied in, the bindings' direct-buffer call,
 * copied out), at every size up to one direct buffer (2 GiB). The bindings' own array path costs more at every size
 * measured: for 8 B, 200 ns a 1-rank {@code allreduce} against 149 ns staged (its JNI array access alone is 75 ns),
 * 2 ranks 1.16x the raw bindings' array call against 0.98-1.06x staged (2026-12-02); for 1 MiB 3 to 90 times slower
 * (it makes a new native copy of each array per call). Arrays up to {@link #HEAP_MAX} bytes (0 unless set) and those
 * beyond a direct buffer go to the bindings as they are, but for {@code gatherv}, {@code allgatherv} and
 * {@code scatterv}, whose array path in the bindings is broken (see {@link #beyondStaging}).
 *
 * <p>Blocking and progress: at thread level {@code multiple} (the default) these are Open MPI's blocking
 * collectives (its nonblocking ones cost 5-20 times as much for 8 bytes here), bracketed by
 * {@link OpenMpiTransport#enterBlockingCollective()} so that receives posted before the collective still get their
 * rests posted. At {@code single} and {@code serialized} they are the nonblocking ones ({@code MPI_Iallreduce}, ...)
 * on direct buffers, completed by the transport's completion loop. The thread level is the same on every rank, and so
 * is the choice, as MPI requires (a blocking collective never matches a nonblocking one). A failing rank still stops
 * the job: its {@code MPI_Abort} ends the ranks blocked in a collective.
 */
final class OpenMpiCollectives extends PointToPointCollectives {
    /**
     * Arrays up to this many bytes go to the bindings as Java arrays, larger ones through direct buffers
     * ({@code -Djpar.openmpi.collectiveHeapMax}, default 0: every array staged; a local choice, ranks may differ).
     */
    static final int HEAP_MAX = org.jpar.internal.Settings.OPENMPI_HEAP_MAX.getInt(0);
    /** Staging buffers up to this size are kept per thread for reuse; larger ones are left to the GC. */
    private static final int RETAIN = 8 << 20;

    /** Collective kinds, for the counters a test reads ({@link #nativeCalls}, {@link #fallbacks}). */
    static final String[] KINDS = {"reduce", "allreduce", "scan", "exscan", "reduceScatter", "gatherv",
        "allgatherv", "scatterv", "alltoall", "broadcastInto"};
    private static final int REDUCE = 0;
    private static final int ALLREDUCE = 1;
    private static final int SCAN = 2;
    private static final int EXSCAN = 3;
    private static final int REDUCE_SCATTER = 4;
    private static final int GATHERV = 5;
    private static final int ALLGATHERV = 6;
    private static final int SCATTERV = 7;
    private static final int ALLTOALL = 8;
    private static final int BROADCAST_INTO = 9;

    /** How elements travel through a staging buffer: as they are, sign bit flipped, or widened to int. */
    private static final int AS_IS = 0;
    private static final int FLIP = 1;
    private static final int WIDEN = 2;

    private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

    private final OpenMpiTransport mpi;
    private final Object comm;
    private final boolean blocking;
    /** MPI datatypes by {@link MpiWire} array kind. */
    private final Object[] types = new Object[MpiWire.BOOLEANS + 1];
    private final Object int2;
    /** MPI operators by {@link Op#ordinal()}. */
    private final Object[] ops = new Object[Op.values().length];
    /** Calls that went to Open MPI's collective, and calls that fell back to point-to-point, by kind (for tests). */
    private final long[] nativeCalls = new long[KINDS.length];
    private final long[] fallbacks = new long[KINDS.length];

    /** Two direct buffers of one thread (send and receive side), grown on demand. */
    private static final class Staging {
        ByteBuffer first;
        ByteBuffer second;

        ByteBuffer first(long bytes) {
            ByteBuffer b = fit(first, bytes);
            if (b.capacity() <= RETAIN) {
                first = b;
            }
            return b;
        }

        ByteBuffer second(long bytes) {
            ByteBuffer b = fit(second, bytes);
            if (b.capacity() <= RETAIN) {
                second = b;
            }
            return b;
        }

        private static ByteBuffer fit(ByteBuffer b, long bytes) {
            return b != null && b.capacity() >= bytes ? b : MpiWire.direct((int) Math.max(bytes, 64));
        }
    }

    OpenMpiCollectives(OpenMpiTransport transport) {
        super(transport);
        this.mpi = transport;
        this.comm = transport.collectiveComm();
        this.blocking = transport.blockingCollectives();
        for (byte k = MpiWire.BYTES; k <= MpiWire.BOOLEANS; k++) {
            types[k] = Mpi.constant(MpiWire.restType(k));
        }
        int2 = Mpi.constant("INT2");
        for (Op op : Op.values()) {
            ops[op.ordinal()] = Mpi.constant(op.name());
        }
    }

    // ---------------------------------------------------------------- counters (tests)

    /** @return how many calls of {@code kind} ({@link #KINDS}) went to Open MPI's own collective */
    long nativeCalls(String kind) {
        return nativeCalls[kind(kind)];
    }

    /** @return how many calls of {@code kind} took the point-to-point algorithm instead */
    long fallbacks(String kind) {
        return fallbacks[kind(kind)];
    }

    private static int kind(String kind) {
        for (int i = 0; i < KINDS.length; i++) {
            if (KINDS[i].equals(kind)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no collective kind " + kind + ": one of " + String.join(", ", KINDS));
    }

    // ---------------------------------------------------------------- objects: the transport's (native parts inside)

    @Override
    public void barrier() {
        mpi.barrier();
    }

    @Override
    public Object broadcast(Object value, int root) {
        return mpi.broadcast(value, root);
    }

    // ---------------------------------------------------------------- arrays

    @Override
    public void broadcastInto(Object array, int root) {
        mpi.checkCollectiveThread();
        byte kind = MpiWire.arrayKind(array.getClass());
        int n = Array.getLength(array);
        long bytes = (long) n * MpiWire.elementBytes(kind);
        Object type = types[kind];
        nativeCalls[BROADCAST_INTO]++;
        if (heap(bytes)) {
            mpi.blockingCollective(() -> Mpi.bcast(comm, array, n, type, root));
            return;
        }
        ByteBuffer b = STAGING.get().first(bytes);
        boolean root0 = t.rank() == root;
        if (root0) {
            put(b, array, 0, n, AS_IS);
        }
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.bcast(comm, b, n, type, root));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.ibcast(comm, b, n, type, root)));
        }
        if (!root0) {
            get(b, array, 0, n, AS_IS);
        }
    }

    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        Object type = reductionType(op, send);
        if (type == null) {
            fallbacks[REDUCE]++;
            super.reduce(send, recv, op, root);
            return;
        }
        mpi.checkCollectiveThread();
        nativeCalls[REDUCE]++;
        int n = Array.getLength(send);
        int count = type == int2 ? n / 2 : n;
        Object mpiOp = ops[op.ordinal()];
        long bytes = bytes(send);
        int mode = mode(op, send);
        long staged = mode == WIDEN ? 4L * Array.getLength(send) : bytes(send);
        if (heap(bytes) && type != int2 && mode == AS_IS) {
            mpi.blockingCollective(() -> Mpi.reduce(comm, send == recv ? null : send, recv, count, type, mpiOp, root));
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first(staged);
        ByteBuffer rb = st.second(staged);
        put(sb, send, 0, n, mode);
        Object wire = mode == WIDEN ? types[MpiWire.INTS] : type;
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.reduce(comm, sb, rb, count, wire, mpiOp, root));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.ireduce(comm, sb, rb, count, wire, mpiOp, root)));
        }
        if (recv != null && t.rank() == root) {
            get(rb, recv, 0, n, mode);
        }
    }

    @Override
    public void allreduce(Object send, Object recv, Op op) {
        Object type = reductionType(op, send);
        if (type == null) {
            fallbacks[ALLREDUCE]++;
            super.allreduce(send, recv, op);
            return;
        }
        mpi.checkCollectiveThread();
        nativeCalls[ALLREDUCE]++;
        int n = Array.getLength(send);
        int count = type == int2 ? n / 2 : n;
        Object mpiOp = ops[op.ordinal()];
        long bytes = bytes(send);
        int mode = mode(op, send);
        long staged = mode == WIDEN ? 4L * Array.getLength(send) : bytes(send);
        if (heap(bytes) && type != int2 && mode == AS_IS) {
            mpi.blockingCollective(() -> Mpi.allReduce(comm, send == recv ? null : send, recv, count, type, mpiOp));
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first(staged);
        ByteBuffer rb = st.second(staged);
        put(sb, send, 0, n, mode);
        Object wire = mode == WIDEN ? types[MpiWire.INTS] : type;
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.allReduce(comm, sb, rb, count, wire, mpiOp));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.iallReduce(comm, sb, rb, count, wire, mpiOp)));
        }
        get(rb, recv, 0, n, mode);
    }

    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        int kind = exclusive ? EXSCAN : SCAN;
        Object type = reductionType(op, send);
        if (type == null) {
            fallbacks[kind]++;
            super.scan(send, recv, op, exclusive);
            return;
        }
        mpi.checkCollectiveThread();
        nativeCalls[kind]++;
        int n = Array.getLength(send);
        int count = type == int2 ? n / 2 : n;
        Object mpiOp = ops[op.ordinal()];
        long bytes = bytes(send);
        int mode = mode(op, send);
        long staged = mode == WIDEN ? 4L * Array.getLength(send) : bytes(send);
        // exscan: Open MPI writes rank 0's recv (MPI leaves it undefined; jpar keeps it as it was), so staged
        if (heap(bytes) && type != int2 && mode == AS_IS && send != recv && !exclusive) {
            mpi.blockingCollective(() -> Mpi.scan(comm, send, recv, count, type, mpiOp, exclusive));
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first(staged);
        ByteBuffer rb = st.second(staged);
        put(sb, send, 0, n, mode);
        Object wire = mode == WIDEN ? types[MpiWire.INTS] : type;
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.scan(comm, sb, rb, count, wire, mpiOp, exclusive));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.iscan(comm, sb, rb, count, wire, mpiOp, exclusive)));
        }
        if (!exclusive || t.rank() != 0) { // exscan: rank 0's recv stays as it was
            get(rb, recv, 0, n, mode);
        }
    }

    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        Object type = reductionType(op, send);
        int[] mpiCounts = counts;
        if (type == int2) { // pairs: counts in pairs, every block whole pairs
            mpiCounts = new int[counts.length];
            for (int i = 0; i < counts.length && type != null; i++) {
                if (counts[i] % 2 != 0) {
                    type = null;
                } else {
                    mpiCounts[i] = counts[i] / 2;
                }
            }
        }
        if (type == null) {
            fallbacks[REDUCE_SCATTER]++;
            super.reduceScatter(send, recv, counts, op);
            return;
        }
        mpi.checkCollectiveThread();
        nativeCalls[REDUCE_SCATTER]++;
        Object mpiOp = ops[op.ordinal()];
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        int mine = counts[t.rank()];
        int size = elementBytes(send);
        int mode = mode(op, send);
        if (heap((long) total * size) && type != int2 && mode == AS_IS && send != recv) {
            Object mpiType = type;
            mpi.blockingCollective(() -> Mpi.reduceScatter(comm, send, recv, counts, mpiType, mpiOp));
            return;
        }
        Staging st = STAGING.get();
        int wireSize = mode == WIDEN ? 4 : size;
        ByteBuffer sb = st.first((long) total * wireSize);
        ByteBuffer rb = st.second((long) mine * wireSize);
        put(sb, send, 0, total, mode);
        Object mpiType = mode == WIDEN ? types[MpiWire.INTS] : type;
        int[] c = mpiCounts;
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.reduceScatter(comm, sb, rb, c, mpiType, mpiOp));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.ireduceScatter(comm, sb, rb, c, mpiType, mpiOp)));
        }
        get(rb, recv, 0, mine, mode);
    }

    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        mpi.checkCollectiveThread();
        nativeCalls[GATHERV]++;
        boolean atRoot = t.rank() == root;
        Object type = types[MpiWire.arrayKind(send.getClass())];
        int size = elementBytes(send);
        // elsewhere MPI ignores counts and recv; a non-root rank sends its whole array
        int mine = atRoot ? counts[root] : Array.getLength(send);
        int[] displs = atRoot ? displacements(counts) : null;
        long total = atRoot ? (long) displs[displs.length - 1] + counts[counts.length - 1] : 0;
        if (beyondStaging(Math.max((long) mine * size, total * size))) {
            fallbacks[GATHERV]++;
            super.gatherv(send, recv, counts, root);
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first((long) mine * size);
        ByteBuffer rb = st.second(total * size);
        put(sb, send, 0, mine, AS_IS);
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.gatherv(comm, sb, mine, atRoot ? rb : null, counts, displs, type, root));
        } else {
            mpi.awaitCollective(mpi.startCollective(
                    () -> Mpi.igatherv(comm, sb, mine, rb, counts, displs, type, root)));
        }
        if (atRoot) {
            get(rb, recv, 0, (int) total, AS_IS);
        }
    }

    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        mpi.checkCollectiveThread();
        nativeCalls[ALLGATHERV]++;
        Object type = types[MpiWire.arrayKind(send.getClass())];
        int size = elementBytes(send);
        int mine = counts[t.rank()];
        int[] displs = displacements(counts);
        long total = (long) displs[displs.length - 1] + counts[counts.length - 1];
        if (beyondStaging(total * size)) {
            fallbacks[ALLGATHERV]++;
            super.allgatherv(send, recv, counts);
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first((long) mine * size);
        ByteBuffer rb = st.second(total * size);
        put(sb, send, 0, mine, AS_IS);
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.allGatherv(comm, sb, mine, rb, counts, displs, type));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.iallGatherv(comm, sb, mine, rb, counts, displs, type)));
        }
        get(rb, recv, 0, (int) total, AS_IS);
    }

    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        mpi.checkCollectiveThread();
        nativeCalls[SCATTERV]++;
        boolean atRoot = t.rank() == root;
        Object type = types[MpiWire.arrayKind(recv.getClass())];
        int size = elementBytes(recv);
        // elsewhere MPI ignores counts and send; a non-root rank offers its whole array (root sends its block)
        int mine = atRoot ? counts[root] : Array.getLength(recv);
        int[] displs = atRoot ? displacements(counts) : null;
        long total = atRoot ? (long) displs[displs.length - 1] + counts[counts.length - 1] : 0;
        if (beyondStaging(Math.max((long) mine * size, total * size))) {
            fallbacks[SCATTERV]++;
            super.scatterv(send, counts, recv, root);
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first(total * size);
        ByteBuffer rb = st.second((long) mine * size);
        if (atRoot) {
            put(sb, send, 0, (int) total, AS_IS);
        } else {
            // the block may be shorter than recv: what MPI does not write must stay as it was
            put(rb, recv, 0, mine, AS_IS);
        }
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.scatterv(comm, atRoot ? sb : null, counts, displs, rb, mine, type, root));
        } else {
            mpi.awaitCollective(mpi.startCollective(
                    () -> Mpi.iscatterv(comm, sb, counts, displs, rb, mine, type, root)));
        }
        get(rb, recv, 0, mine, AS_IS);
    }

    @Override
    public void alltoall(Object send, Object recv) {
        mpi.checkCollectiveThread();
        nativeCalls[ALLTOALL]++;
        Object type = types[MpiWire.arrayKind(send.getClass())];
        int n = Array.getLength(send);
        int block = n / t.size();
        long bytes = bytes(send);
        if (heap(bytes) && send != recv) {
            mpi.blockingCollective(() -> Mpi.allToAll(comm, send, recv, block, type));
            return;
        }
        Staging st = STAGING.get();
        ByteBuffer sb = st.first(bytes);
        ByteBuffer rb = st.second(bytes);
        put(sb, send, 0, n, AS_IS);
        if (blocking) {
            mpi.blockingCollective(() -> Mpi.allToAll(comm, sb, rb, block, type));
        } else {
            mpi.awaitCollective(mpi.startCollective(() -> Mpi.iallToAll(comm, sb, rb, block, type)));
        }
        get(rb, recv, 0, n, AS_IS);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * @return true to hand Java arrays of {@code bytes} to the bindings' blocking call as they are: small ones, and
     *         those beyond one direct buffer (2 GiB)
     */
    private boolean heap(long bytes) {
        return blocking && (bytes <= HEAP_MAX || bytes > MpiWire.MAX_PAYLOAD);
    }

    /**
     * @return true if {@code bytes} do not fit one direct buffer (2 GiB): {@code gatherv}, {@code allgatherv} and
     *         {@code scatterv} then take jpar's point-to-point algorithm. They never hand Java arrays to the bindings,
     *         whatever {@link #HEAP_MAX} says: the bindings size their native copy of a v-collective's array as the
     *         largest displacement times its count, not plus (Open MPI 4.1's {@code getCountv} in {@code mpi_MPI.c}),
     *         so the copy is too short where that count is 0 or 1, and for 300,000 {@code int}s a rank the product
     *         overflowed and the JVM crashed ({@code malloc(): invalid size}; a trial, with
     *         {@code -Djpar.openmpi.collectiveHeapMax=100000000})
     */
    private static boolean beyondStaging(long bytes) {
        return bytes > MpiWire.MAX_PAYLOAD;
    }

    /**
     * @return the MPI datatype {@code op} runs on for {@code array}, or null where Open MPI cannot do it (see the
     *         class comment): MINLOC/MAXLOC on other than {@code int[]} pairs, and arrays beyond one direct buffer
     *         when the native call must be nonblocking
     */
    private Object reductionType(Op op, Object array) {
        if (!blocking && bytes(array) > MpiWire.MAX_PAYLOAD) {
            return null;
        }
        if (op == Op.MINLOC || op == Op.MAXLOC) {
            return array instanceof int[] ? int2 : null;
        }
        return types[MpiWire.arrayKind(array.getClass())];
    }

    /**
     * @return how {@code op} on {@code array} travels: {@link #FLIP} for MIN/MAX on {@code byte[]} (signed bytes
     *         through the unsigned {@code MPI.BYTE}); {@link #WIDEN} for SUM/PROD on 8- and 16-bit types: Open MPI
     *         4.1's vectorized operators ({@code op/avx}) saturate there instead of wrapping (open-mpi/ompi#8045,
     *         "wontfix"; seen here: 254 + 5 gave 255 for {@code MPI_UINT8_T} from 32 elements on), so they are
     *         reduced as {@code int}, whose wrapping sums and products have the same low bits; else {@link #AS_IS}
     */
    private static int mode(Op op, Object array) {
        boolean narrow = array instanceof byte[] || array instanceof short[] || array instanceof char[];
        if (narrow && (op == Op.SUM || op == Op.PROD)) {
            return WIDEN;
        }
        return array instanceof byte[] && (op == Op.MIN || op == Op.MAX) ? FLIP : AS_IS;
    }

    private static int elementBytes(Object array) {
        return MpiWire.elementBytes(MpiWire.arrayKind(array.getClass()));
    }

    private static long bytes(Object array) {
        return (long) Array.getLength(array) * elementBytes(array);
    }

    /** Copies elements {@code [from, from + n)} of {@code array} to the start of {@code b}, as {@code mode} says. */
    private static void put(ByteBuffer b, Object array, int from, int n, int mode) {
        if (mode == WIDEN) {
            java.nio.IntBuffer ints = b.asIntBuffer();
            if (array instanceof byte[] a) {
                for (int i = 0; i < n; i++) {
                    ints.put(i, a[from + i]);
                }
            } else if (array instanceof short[] a) {
                for (int i = 0; i < n; i++) {
                    ints.put(i, a[from + i]);
                }
            } else {
                char[] a = (char[]) array;
                for (int i = 0; i < n; i++) {
                    ints.put(i, a[from + i]);
                }
            }
            return;
        }
        int size = elementBytes(array);
        MpiWire.copyIn(b, 0, array, (long) from * size, n * size);
        if (mode == FLIP) {
            for (int i = 0; i < n; i++) {
                b.put(i, (byte) (b.get(i) ^ 0x80));
            }
        }
    }

    /** Copies {@code n} elements from the start of {@code b} into {@code array} at {@code from}, undoing {@code mode}. */
    private static void get(ByteBuffer b, Object array, int from, int n, int mode) {
        if (mode == WIDEN) {
            java.nio.IntBuffer ints = b.asIntBuffer();
            if (array instanceof byte[] a) {
                for (int i = 0; i < n; i++) {
                    a[from + i] = (byte) ints.get(i);
                }
            } else if (array instanceof short[] a) {
                for (int i = 0; i < n; i++) {
                    a[from + i] = (short) ints.get(i);
                }
            } else {
                char[] a = (char[]) array;
                for (int i = 0; i < n; i++) {
                    a[from + i] = (char) ints.get(i);
                }
            }
            return;
        }
        int size = elementBytes(array);
        MpiWire.copyOut(b, 0, array, (long) from * size, n * size);
        if (mode == FLIP) {
            byte[] a = (byte[]) array;
            for (int i = from; i < from + n; i++) {
                a[i] ^= (byte) 0x80;
            }
        }
    }
}
