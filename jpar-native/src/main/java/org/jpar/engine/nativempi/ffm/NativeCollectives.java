package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Array;

import org.jpar.Op;
import org.jpar.engine.nativempi.NativeCollectiveCounts;
import org.jpar.spi.PointToPointCollectives;

/**
 * The native engine's collectives: every collective on primitive arrays with a built-in {@link Op} is one call of the
 * MPI library's own ({@code MPI_Barrier}, {@code MPI_Bcast}, {@code MPI_Reduce}, {@code MPI_Allreduce},
 * {@code MPI_Scan}, {@code MPI_Exscan}, {@code MPI_Reduce_scatter}, {@code MPI_Gatherv}, {@code MPI_Allgatherv},
 * {@code MPI_Scatterv}, {@code MPI_Alltoall}) on the transport's own collective communicator (so a split or duplicated
 * communicator uses its own); objects keep the point-to-point algorithms, with the large part of a broadcast in one
 * {@code MPI_Ibcast} ({@link NativeTransport#broadcast}). {@link org.jpar.Communicator} has checked every argument
 * before it calls in here.
 *
 * <p>Types: {@code byte[]} {@code MPI_INT8_T}, {@code short[]} {@code MPI_SHORT}, {@code char[]}
 * {@code MPI_UNSIGNED_SHORT}, {@code int[]} {@code MPI_INT}, {@code long[]} {@code MPI_INT64_T}, {@code float[]}
 * {@code MPI_FLOAT}, {@code double[]} {@code MPI_DOUBLE}, {@code boolean[]} {@code MPI_UINT8_T} (0 or 1: the logical
 * and bitwise operators both keep it so). What MPI cannot do as it is, and how jpar still does it:
 * <ul>
 *   <li>{@code SUM}/{@code PROD} on {@code byte[] short[] char[]} under Open MPI: Open MPI 4.1's vectorized operators
 *       ({@code op/avx}) saturate 8- and 16-bit sums instead of wrapping (open-mpi/ompi#8045, closed "wontfix"),
 *       where Java and C wrap; these arrays are reduced as {@code int} (widened on the way in, narrowed on the way
 *       out: a wrapping int sum or product has the same low bits). MPICH's operators wrap: as they are.</li>
 *   <li>{@code MIN}/{@code MAX} on {@code char[]}: MPICH 4.0.2 orders its unsigned types as signed ones (seen here in
 *       C too: MIN of 2 and 65534 as {@code MPI_UNSIGNED_SHORT} or {@code MPI_UINT16_T} gave 65534, and likewise for
 *       8- and 32-bit); the chars go through signed {@code MPI_SHORT} with their sign bit flipped (which maps unsigned
 *       order onto signed order) and are flipped back, under both MPIs.</li>
 *   <li>{@code MINLOC}/{@code MAXLOC}: (value, index) pairs whose index has the value's type go to MPI's pair types
 *       where the C layout is exactly jpar's: {@code int[]} {@code MPI_2INT}, {@code float[]} {@code MPI_2REAL},
 *       {@code double[]} {@code MPI_2DOUBLE_PRECISION} (MPI compares with C's {@code <} and {@code ==}: a NaN value
 *       never wins, and -0.0 ties with 0.0, the smaller index winning). {@code long[]} pairs have no such type
 *       ({@code MPI_LONG_INT} is a {long, int} struct) and take the point-to-point algorithm, as does a
 *       {@code reduceScatter} of pairs with an odd block.</li>
 * </ul>
 *
 * <p>Memory: FFM cannot hand a Java array to a call that may block, so each array is copied once into this thread's
 * off-heap staging memory (kept for reuse up to 8 MiB) and the result once out; allreduce, scans, reduceScatter and
 * allgatherv run {@code MPI_IN_PLACE} on it, so MPI makes no copy of its own.
 *
 * <p>Blocking and progress: at thread level {@code multiple} (the default) these are MPI's blocking collectives,
 * bracketed by {@link NativeTransport#enterBlockingCollective()} so that receives posted before the collective still
 * get their rests posted (by a helper thread). At {@code serialized} they are the nonblocking ones
 * ({@code MPI_Iallreduce}, ...), completed by the transport's completion loop with the lock released between tests.
 * The level is the same on every rank, and so is the choice, as MPI requires.
 */
final class NativeCollectives extends PointToPointCollectives implements NativeCollectiveCounts {
    /** Staging memory up to this size is kept per thread for reuse; larger is left to the GC. */
    private static final long RETAIN = 8 << 20;
    private static final int BARRIER = 0;
    private static final int BROADCAST_INTO = 1;
    private static final int REDUCE = 2;
    private static final int ALLREDUCE = 3;
    private static final int SCAN = 4;
    private static final int EXSCAN = 5;
    private static final int REDUCE_SCATTER = 6;
    private static final int GATHERV = 7;
    private static final int ALLGATHERV = 8;
    private static final int SCATTERV = 9;
    private static final int ALLTOALL = 10;

    /** Primitive array classes, by index k. */
    private static final Class<?>[] ARRAYS = {byte[].class, short[].class, char[].class, int[].class, long[].class,
        float[].class, double[].class, boolean[].class};
    private static final String[] TYPES = {"INT8_T", "SHORT", "UNSIGNED_SHORT", "INT", "INT64_T", "FLOAT", "DOUBLE",
        "UINT8_T"};
    private static final ValueLayout[] LAYOUTS = {ValueLayout.JAVA_BYTE, ValueLayout.JAVA_SHORT, ValueLayout.JAVA_CHAR,
        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_DOUBLE,
        ValueLayout.JAVA_BYTE};
    private static final int INT = 3;
    private static final int BOOLEAN = 7;
    /** MPI's pair type for MINLOC/MAXLOC by k: int, float, double pairs (null: none whose layout is jpar's). */
    private static final String[] PAIRS = {null, null, null, "2INT", null, "2REAL", "2DOUBLE_PRECISION", null};

    /** How elements travel through staging memory: as they are, or widened to int. */
    private static final int AS_IS = 0;
    private static final int WIDEN = 1;
    /** {@code char[]} MIN/MAX: the sign bit flipped, reduced as signed {@code MPI_SHORT} (see the class comment). */
    private static final int FLIP = 2;
    private static final int SHORT = 1;
    private static final int CHAR = 2;

    private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

    private final NativeTransport mpi;
    private final long comm;
    private final boolean blocking;
    private final boolean openMpi;
    private final MemorySegment inPlace;
    private final long[] types = new long[ARRAYS.length];
    private final long[] pairs = new long[ARRAYS.length];
    /** MPI's operators by {@link Op#ordinal()}. */
    private final long[] ops = new long[Op.values().length];
    private final long[] nativeCalls = new long[KINDS.size()];
    private final long[] fallbacks = new long[KINDS.size()];

    /** One MPI call of a collective: blocking when {@code request} is null, else nonblocking writing it there. */
    @FunctionalInterface
    private interface Call {
        void run(MemorySegment request);
    }

    /** One thread's off-heap staging memory: two data buffers and one for counts and displacements. */
    private static final class Staging {
        MemorySegment first;
        MemorySegment second;
        MemorySegment ints;

        MemorySegment first(long bytes) {
            MemorySegment s = fit(first, bytes);
            if (s.byteSize() <= RETAIN) {
                first = s;
            }
            return s;
        }

        MemorySegment second(long bytes) {
            MemorySegment s = fit(second, bytes);
            if (s.byteSize() <= RETAIN) {
                second = s;
            }
            return s;
        }

        /** @return room for {@code n} ints (two per rank: counts and displacements) */
        MemorySegment ints(int n) {
            MemorySegment s = fit(ints, 4L * n);
            if (s.byteSize() <= RETAIN) {
                ints = s;
            }
            return s;
        }

        private static MemorySegment fit(MemorySegment s, long bytes) {
            return s != null && s.byteSize() >= bytes ? s : Arena.ofAuto().allocate(Math.max(bytes, 64), 16);
        }
    }

    NativeCollectives(NativeTransport transport) {
        super(transport);
        this.mpi = transport;
        this.comm = transport.collectiveComm();
        this.blocking = transport.blockingCollectives();
        Abi abi = Mpi.ABI;
        this.openMpi = abi.family == Abi.Family.OPEN_MPI;
        this.inPlace = abi.inPlace;
        for (int k = 0; k < ARRAYS.length; k++) {
            types[k] = abi.handle(TYPES[k]);
            pairs[k] = PAIRS[k] == null ? 0 : abi.handle(PAIRS[k]);
        }
        for (Op op : Op.values()) {
            ops[op.ordinal()] = abi.handle("OP_" + op.name());
        }
    }

    // ---------------------------------------------------------------- counters (NativeCollectiveCounts)

    @Override
    public long nativeCalls(String kind) {
        return nativeCalls[kind(kind)];
    }

    @Override
    public long fallbacks(String kind) {
        return fallbacks[kind(kind)];
    }

    private static int kind(String kind) {
        int i = KINDS.indexOf(kind);
        if (i < 0) {
            throw new IllegalArgumentException("no collective kind " + kind + ": one of " + String.join(", ", KINDS));
        }
        return i;
    }

    // ---------------------------------------------------------------- objects: the transport's (native parts inside)

    /** {@code MPI_Barrier} (serialized: {@code MPI_Ibarrier}). */
    @Override
    public void barrier() {
        nativeCalls[BARRIER]++;
        mpi.barrier();
    }

    @Override
    public Object broadcast(Object value, int root) {
        return mpi.broadcast(value, root);
    }

    // ---------------------------------------------------------------- arrays

    /** {@code MPI_Bcast} of {@code array} from {@code root} into every rank's array of the same type and length. */
    @Override
    public void broadcastInto(Object array, int root) {
        nativeCalls[BROADCAST_INTO]++;
        int k = index(array);
        int n = Array.getLength(array);
        MemorySegment b = STAGING.get().first(bytes(k, n, AS_IS));
        boolean atRoot = t.rank() == root;
        if (atRoot) {
            put(b, 0, array, 0, n, k, AS_IS);
        }
        long type = types[k];
        call(r -> {
            if (r == null) {
                Mpi.bcast(b, n, type, root, comm);
            } else {
                Mpi.ibcast(b, n, type, root, comm, r);
            }
        });
        if (!atRoot) {
            get(b, 0, array, 0, n, k, AS_IS);
        }
    }

    /** {@code MPI_Reduce}; MINLOC/MAXLOC on {@code long[]} pairs by jpar's own algorithm. */
    @Override
    public void reduce(Object send, Object recv, Op op, int root) {
        int k = index(send);
        long type = reductionType(op, k);
        if (type == 0) {
            fallbacks[REDUCE]++;
            super.reduce(send, recv, op, root);
            return;
        }
        nativeCalls[REDUCE]++;
        int n = Array.getLength(send);
        int mode = mode(op, k);
        int count = count(op, n);
        long wire = wire(mode, type);
        long mpiOp = ops[op.ordinal()];
        boolean atRoot = t.rank() == root;
        Staging st = STAGING.get();
        MemorySegment in = st.first(bytes(k, n, mode));
        put(in, 0, send, 0, n, k, mode);
        // not MPI_IN_PLACE at root: MPICH 4.0.2's MPI_Reduce crashed in memcpy with it (seen here)
        MemorySegment out = atRoot ? st.second(bytes(k, n, mode)) : MemorySegment.NULL;
        call(r -> {
            if (r == null) {
                Mpi.reduce(in, out, count, wire, mpiOp, root, comm);
            } else {
                Mpi.ireduce(in, out, count, wire, mpiOp, root, comm, r);
            }
        });
        if (atRoot) {
            get(out, 0, recv, 0, n, k, mode);
        }
    }

    /** {@code MPI_Allreduce}, in place; MINLOC/MAXLOC on {@code long[]} pairs by jpar's own algorithm. */
    @Override
    public void allreduce(Object send, Object recv, Op op) {
        int k = index(send);
        long type = reductionType(op, k);
        if (type == 0) {
            fallbacks[ALLREDUCE]++;
            super.allreduce(send, recv, op);
            return;
        }
        nativeCalls[ALLREDUCE]++;
        int n = Array.getLength(send);
        int mode = mode(op, k);
        int count = count(op, n);
        long wire = wire(mode, type);
        long mpiOp = ops[op.ordinal()];
        MemorySegment b = STAGING.get().first(bytes(k, n, mode));
        put(b, 0, send, 0, n, k, mode);
        MemorySegment in = inPlace;
        call(r -> {
            if (r == null) {
                Mpi.allreduce(in, b, count, wire, mpiOp, comm);
            } else {
                Mpi.iallreduce(in, b, count, wire, mpiOp, comm, r);
            }
        });
        get(b, 0, recv, 0, n, k, mode);
    }

    /** {@code MPI_Scan} / {@code MPI_Exscan}, in place (exscan: rank 0's {@code recv} stays as it was). */
    @Override
    public void scan(Object send, Object recv, Op op, boolean exclusive) {
        int kind = exclusive ? EXSCAN : SCAN;
        int k = index(send);
        long type = reductionType(op, k);
        if (type == 0) {
            fallbacks[kind]++;
            super.scan(send, recv, op, exclusive);
            return;
        }
        nativeCalls[kind]++;
        int n = Array.getLength(send);
        int mode = mode(op, k);
        int count = count(op, n);
        long wire = wire(mode, type);
        long mpiOp = ops[op.ordinal()];
        MemorySegment b = STAGING.get().first(bytes(k, n, mode));
        put(b, 0, send, 0, n, k, mode);
        MemorySegment in = inPlace;
        call(r -> Mpi.scan(in, b, count, wire, mpiOp, comm, exclusive, r));
        if (!exclusive || t.rank() != 0) {
            get(b, 0, recv, 0, n, k, mode);
        }
    }

    /** {@code MPI_Reduce_scatter}, in place; MINLOC/MAXLOC on {@code long[]} pairs or odd blocks by jpar's own. */
    @Override
    public void reduceScatter(Object send, Object recv, int[] counts, Op op) {
        int k = index(send);
        long type = reductionType(op, k);
        boolean pairs = op == Op.MINLOC || op == Op.MAXLOC;
        for (int i = 0; pairs && type != 0 && i < counts.length; i++) {
            if (counts[i] % 2 != 0) {
                type = 0; // a block that splits a pair: no MPI type for it
            }
        }
        if (type == 0) {
            fallbacks[REDUCE_SCATTER]++;
            super.reduceScatter(send, recv, counts, op);
            return;
        }
        nativeCalls[REDUCE_SCATTER]++;
        int size = counts.length;
        int total = 0;
        Staging st = STAGING.get();
        MemorySegment c = st.ints(size);
        for (int i = 0; i < size; i++) {
            total += counts[i];
            c.setAtIndex(ValueLayout.JAVA_INT, i, pairs ? counts[i] / 2 : counts[i]);
        }
        int mine = counts[t.rank()];
        int mode = mode(op, k);
        long wire = wire(mode, type);
        long mpiOp = ops[op.ordinal()];
        MemorySegment b = st.first(bytes(k, total, mode));
        put(b, 0, send, 0, total, k, mode);
        MemorySegment in = inPlace;
        call(r -> Mpi.reduceScatter(in, b, c, wire, mpiOp, comm, r));
        get(b, 0, recv, 0, mine, k, mode);
    }

    /** {@code MPI_Gatherv}: a non-root rank sends its whole array (MPI ignores counts and recv there). */
    @Override
    public void gatherv(Object send, Object recv, int[] counts, int root) {
        nativeCalls[GATHERV]++;
        int k = index(send);
        boolean atRoot = t.rank() == root;
        int mine = atRoot ? counts[root] : Array.getLength(send);
        Staging st = STAGING.get();
        MemorySegment c = atRoot ? st.ints(2 * counts.length) : MemorySegment.NULL;
        long total = atRoot ? countsAndDisplacements(c, counts) : 0;
        MemorySegment d = atRoot ? c.asSlice(4L * counts.length) : MemorySegment.NULL;
        MemorySegment sb = st.first(bytes(k, mine, AS_IS));
        MemorySegment rb = atRoot ? st.second(bytes(k, total, AS_IS)) : MemorySegment.NULL;
        put(sb, 0, send, 0, mine, k, AS_IS);
        long type = types[k];
        call(r -> Mpi.gatherv(sb, mine, rb, c, d, type, root, comm, r));
        if (atRoot) {
            get(rb, 0, recv, 0, (int) total, k, AS_IS);
        }
    }

    /** {@code MPI_Allgatherv}, in place (this rank's block goes where it belongs in the result). */
    @Override
    public void allgatherv(Object send, Object recv, int[] counts) {
        nativeCalls[ALLGATHERV]++;
        int k = index(send);
        int me = t.rank();
        Staging st = STAGING.get();
        MemorySegment c = st.ints(2 * counts.length);
        long total = countsAndDisplacements(c, counts);
        MemorySegment d = c.asSlice(4L * counts.length);
        int at = d.getAtIndex(ValueLayout.JAVA_INT, me);
        MemorySegment b = st.first(bytes(k, total, AS_IS));
        put(b, bytes(k, at, AS_IS), send, 0, counts[me], k, AS_IS);
        long type = types[k];
        MemorySegment in = inPlace;
        call(r -> Mpi.allgatherv(in, 0, b, c, d, type, comm, r));
        get(b, 0, recv, 0, (int) total, k, AS_IS);
    }

    /**
     * {@code MPI_Scatterv}: a non-root rank receives into its whole array (MPI ignores counts and send there); what
     * MPI does not write of it stays as it was.
     */
    @Override
    public void scatterv(Object send, int[] counts, Object recv, int root) {
        nativeCalls[SCATTERV]++;
        int k = index(recv);
        boolean atRoot = t.rank() == root;
        int mine = atRoot ? counts[root] : Array.getLength(recv);
        Staging st = STAGING.get();
        MemorySegment c = atRoot ? st.ints(2 * counts.length) : MemorySegment.NULL;
        long total = atRoot ? countsAndDisplacements(c, counts) : 0;
        MemorySegment d = atRoot ? c.asSlice(4L * counts.length) : MemorySegment.NULL;
        MemorySegment sb = atRoot ? st.first(bytes(k, total, AS_IS)) : MemorySegment.NULL;
        MemorySegment rb = st.second(bytes(k, mine, AS_IS));
        if (atRoot) {
            put(sb, 0, send, 0, (int) total, k, AS_IS);
        } else {
            put(rb, 0, recv, 0, mine, k, AS_IS);
        }
        long type = types[k];
        call(r -> Mpi.scatterv(sb, c, d, rb, mine, type, root, comm, r));
        get(rb, 0, recv, 0, mine, k, AS_IS);
    }

    /** {@code MPI_Alltoall} of {@code length / size} elements per rank. */
    @Override
    public void alltoall(Object send, Object recv) {
        nativeCalls[ALLTOALL]++;
        int k = index(send);
        int n = Array.getLength(send);
        int block = n / t.size();
        Staging st = STAGING.get();
        MemorySegment sb = st.first(bytes(k, n, AS_IS));
        MemorySegment rb = st.second(bytes(k, n, AS_IS));
        put(sb, 0, send, 0, n, k, AS_IS);
        long type = types[k];
        call(r -> Mpi.alltoall(sb, rb, block, type, comm, r));
        get(rb, 0, recv, 0, n, k, AS_IS);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Runs one native collective: blocking (thread level multiple), bracketed so that posted receives keep moving, or
     * nonblocking and completed by the transport (serialized).
     */
    private void call(Call c) {
        if (blocking) {
            mpi.enterBlockingCollective();
            try {
                c.run(null);
            } finally {
                mpi.exitBlockingCollective();
            }
        } else {
            NativeTransport.Req r = new NativeTransport.Req();
            mpi.startCollective(() -> c.run(r.request));
            mpi.awaitCollective(r);
        }
    }

    /** @return the MPI datatype {@code op} reduces {@code k} arrays as, or 0 where MPI cannot (see the class comment) */
    private long reductionType(Op op, int k) {
        if (op == Op.MINLOC || op == Op.MAXLOC) {
            return pairs[k];
        }
        return types[k];
    }

    /**
     * @return {@link #FLIP} for MIN/MAX on {@code char[]} (MPICH 4.0.2 orders unsigned types as signed),
     *         {@link #WIDEN} for SUM/PROD on 8- and 16-bit types under Open MPI (ompi#8045), else {@link #AS_IS}
     */
    private int mode(Op op, int k) {
        if (k == CHAR && (op == Op.MIN || op == Op.MAX)) {
            return FLIP;
        }
        return openMpi && k <= CHAR && (op == Op.SUM || op == Op.PROD) ? WIDEN : AS_IS;
    }

    /** @return the MPI datatype elements of kind {@code k} travel as in {@code mode} */
    private long wire(int mode, long type) {
        return mode == WIDEN ? types[INT] : mode == FLIP ? types[SHORT] : type;
    }

    /** @return MPI's element count for {@code n} Java elements: pairs count once */
    private static int count(Op op, int n) {
        return op == Op.MINLOC || op == Op.MAXLOC ? n / 2 : n;
    }

    /** Writes {@code counts} and their displacements (rank order, no gaps) to {@code c}. @return the total */
    private static long countsAndDisplacements(MemorySegment c, int[] counts) {
        int n = counts.length;
        long at = 0;
        for (int i = 0; i < n; i++) {
            c.setAtIndex(ValueLayout.JAVA_INT, i, counts[i]);
            c.setAtIndex(ValueLayout.JAVA_INT, n + i, (int) at);
            at += counts[i];
        }
        return at;
    }

    private static int index(Object array) {
        Class<?> c = array.getClass();
        for (int i = 0; i < ARRAYS.length; i++) {
            if (ARRAYS[i] == c) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a primitive array: " + c.getTypeName());
    }

    /** @return the staged size of {@code n} elements of kind {@code k} travelling as {@code mode} */
    private static long bytes(int k, long n, int mode) {
        return n * (mode == WIDEN ? 4 : LAYOUTS[k].byteSize());
    }

    /** Copies elements {@code [from, from + n)} of {@code array} to {@code seg} at byte {@code at}, as {@code mode}. */
    private static void put(MemorySegment seg, long at, Object array, int from, int n, int k, int mode) {
        if (mode == FLIP) {
            char[] a = (char[]) array;
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_CHAR, at + 2L * i, (char) (a[from + i] ^ 0x8000));
            }
        } else if (mode == WIDEN) {
            if (array instanceof byte[] a) {
                for (int i = 0; i < n; i++) {
                    seg.set(ValueLayout.JAVA_INT, at + 4L * i, a[from + i]);
                }
            } else if (array instanceof short[] a) {
                for (int i = 0; i < n; i++) {
                    seg.set(ValueLayout.JAVA_INT, at + 4L * i, a[from + i]);
                }
            } else {
                char[] a = (char[]) array;
                for (int i = 0; i < n; i++) {
                    seg.set(ValueLayout.JAVA_INT, at + 4L * i, a[from + i]);
                }
            }
        } else if (k == BOOLEAN) {
            boolean[] a = (boolean[]) array;
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_BYTE, at + i, a[from + i] ? (byte) 1 : 0);
            }
        } else {
            MemorySegment.copy(array, from, seg, LAYOUTS[k], at, n);
        }
    }

    /** Copies {@code n} elements from {@code seg} at byte {@code at} into {@code array} at {@code from}, undoing mode. */
    private static void get(MemorySegment seg, long at, Object array, int from, int n, int k, int mode) {
        if (mode == FLIP) {
            char[] a = (char[]) array;
            for (int i = 0; i < n; i++) {
                a[from + i] = (char) (seg.get(ValueLayout.JAVA_CHAR, at + 2L * i) ^ 0x8000);
            }
        } else if (mode == WIDEN) {
            if (array instanceof byte[] a) {
                for (int i = 0; i < n; i++) {
                    a[from + i] = (byte) seg.get(ValueLayout.JAVA_INT, at + 4L * i);
                }
            } else if (array instanceof short[] a) {
                for (int i = 0; i < n; i++) {
                    a[from + i] = (short) seg.get(ValueLayout.JAVA_INT, at + 4L * i);
                }
            } else {
                char[] a = (char[]) array;
                for (int i = 0; i < n; i++) {
                    a[from + i] = (char) seg.get(ValueLayout.JAVA_INT, at + 4L * i);
                }
            }
        } else if (k == BOOLEAN) {
            boolean[] a = (boolean[]) array;
            for (int i = 0; i < n; i++) {
                a[from + i] = seg.get(ValueLayout.JAVA_BYTE, at + i) != 0;
            }
        } else {
            MemorySegment.copy(seg, LAYOUTS[k], at, array, from, n);
        }
    }
}
