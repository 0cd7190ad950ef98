package org.jpar.engine.openmpi;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;
import org.jpar.internal.ArrayOps;
import org.jpar.internal.PrimitiveArrays;

/**
 * A rank program for {@link OpenMpiNativeCollectivesIT}: every array collective with every built-in operator on every
 * primitive type, small and large (staged direct buffers; small ones through the bindings' array path when
 * {@code -Djpar.openmpi.collectiveHeapMax} says so), checked against
 * {@link ArrayOps} applied in rank order, and the engine's counters showing each went to Open MPI's own collective
 * (and that only MINLOC/MAXLOC on long/float/double pairs fell back to jpar's own algorithms, correct too). Prints {@code rank R native collectives ok}; with
 * argument {@code split}, also on the halves of a {@code split} world ({@code rank R split native collectives ok}).
 */
public final class NativeCollectives {
    /**
     * Element counts: small, and above 16 KiB for every type. With {@code -Djpar.openmpi.collectiveHeapMax=16384}
     * the small ones take the bindings' array path, with a larger value all of them (but the v-collectives' arrays,
     * which jpar never hands to the bindings); by default every array is staged.
     */
    private static final int[] LENGTHS = {6, 16 * 1024 + 10};
    private static final Class<?>[] TYPES = {byte[].class, short[].class, char[].class, int[].class, long[].class,
        float[].class, double[].class, boolean[].class};

    private NativeCollectives() {
    }

    public static void main(String[] args) {
        Communicator world = Par.world();
        check(world);
        System.out.println("rank " + world.rank() + " native collectives ok");
        if (args.length > 0 && args[0].equals("split")) {
            try (Communicator half = world.split(world.rank() % 2, -world.rank())) {
                check(half);
            }
            System.out.println("rank " + world.rank() + " split native collectives ok");
        }
        Par.finish();
    }

    private static OpenMpiCollectives engine(Communicator c) {
        return (OpenMpiCollectives) c.transport().collectives();
    }

    private static void check(Communicator c) {
        OpenMpiCollectives e = engine(c);
        long[] before = counts(e, true);
        long[] fallbacksBefore = counts(e, false);
        int calls = 0;
        int fallbackCalls = 0; // MINLOC/MAXLOC on long/float/double pairs: no MPI type, jpar's own algorithm
        for (Class<?> type : TYPES) {
            for (int n : LENGTHS) {
                for (Op op : Op.values()) {
                    if (ArrayOps.refusal(op, type) != null) {
                        continue;
                    }
                    boolean fallback = (op == Op.MINLOC || op == Op.MAXLOC) && type != int[].class;
                    reductions(c, type, n, op);
                    if (fallback) {
                        fallbackCalls++;
                    } else {
                        calls++;
                    }
                }
                blocks(c, type, n);
            }
        }
        long[] after = counts(e, true);
        long[] fallbacksAfter = counts(e, false);
        for (int k = 0; k < OpenMpiCollectives.KINDS.length; k++) {
            String kind = OpenMpiCollectives.KINDS[k];
            long native_ = after[k] - before[k];
            if (native_ == 0) {
                throw new AssertionError(kind + " never went to Open MPI's collective at rank " + c.rank());
            }
            boolean reduction = k <= 4; // reduce, allreduce, scan, exscan, reduceScatter
            long fell = fallbacksAfter[k] - fallbacksBefore[k];
            if (reduction ? fell == 0 : fell != 0) {
                throw new AssertionError(kind + " fell back to point-to-point " + fell + " times at rank " + c.rank());
            }
        }
        if (fallbacksAfter[1] - fallbacksBefore[1] != 2L * fallbackCalls) {
            throw new AssertionError("allreduce: " + (fallbacksAfter[1] - fallbacksBefore[1]) + " fallbacks for "
                    + fallbackCalls + " MINLOC/MAXLOC reductions of long, float or double pairs");
        }
        long allreduces = after[1] - before[1];
        if (allreduces != 2L * calls) { // each reduction: one allreduce into a new array, one in place
            throw new AssertionError("allreduce: " + allreduces + " native calls for " + calls + " reductions");
        }
    }

    private static long[] counts(OpenMpiCollectives e, boolean natives) {
        long[] r = new long[OpenMpiCollectives.KINDS.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = natives ? e.nativeCalls(OpenMpiCollectives.KINDS[k]) : e.fallbacks(OpenMpiCollectives.KINDS[k]);
        }
        return r;
    }

    /** allreduce, reduce at every root, scan, exscan and reduceScatter of {@code op}, checked. */
    private static void reductions(Communicator c, Class<?> type, int n, Op op) {
        int size = c.size();
        int me = c.rank();
        String what = op + " on " + type.getTypeName() + "[" + n + "]";
        Object mine = input(type, n, me, op);
        Object copy = PrimitiveArrays.copy(mine);
        List<Object> prefixes = new ArrayList<>(); // prefixes.get(r): op over ranks 0..r
        Object acc = input(type, n, 0, op);
        prefixes.add(PrimitiveArrays.copy(acc));
        for (int r = 1; r < size; r++) {
            ArrayOps.combine(op, acc, input(type, n, r, op));
            prefixes.add(PrimitiveArrays.copy(acc));
        }
        Object all = prefixes.get(size - 1);
        same(what + " allreduce", c.allreduce(mine, op), all);
        Object inPlace = PrimitiveArrays.copy(mine);
        c.allreduce(Par.IN_PLACE, inPlace, op);
        same(what + " allreduce in place", inPlace, all);
        for (int root = 0; root < size; root++) {
            Object got = c.reduce(mine, op, root);
            if (me == root) {
                same(what + " reduce at " + root, got, all);
            } else if (got != null) {
                throw new AssertionError(what + " reduce: a non-root rank got a result");
            }
        }
        same(what + " scan", c.scan(mine, op), prefixes.get(me));
        Object ex = PrimitiveArrays.newLike(mine);
        Object exBefore = PrimitiveArrays.copy(ex);
        c.exscan(mine, ex, op);
        same(what + " exscan", ex, me == 0 ? exBefore : prefixes.get(me - 1));
        if (op != Op.MINLOC && op != Op.MAXLOC || size == 1) {
            int[] counts = new int[size];
            int total = Array.getLength(mine);
            for (int r = 0; r < size; r++) {
                counts[r] = total / size + (r < total % size ? 1 : 0);
            }
            int from = 0;
            for (int r = 0; r < me; r++) {
                from += counts[r];
            }
            Object block = Array.newInstance(type.getComponentType(), counts[me]);
            c.reduceScatter(mine, block, counts, op);
            Object expected = Array.newInstance(type.getComponentType(), counts[me]);
            System.arraycopy(all, from, expected, 0, counts[me]);
            same(what + " reduceScatter", block, expected);
        } else {
            int pairs = Array.getLength(mine) / 2;
            int[] counts = new int[size];
            for (int r = 0; r < size; r++) {
                counts[r] = 2 * (pairs / size + (r < pairs % size ? 1 : 0));
            }
            int from = 0;
            for (int r = 0; r < me; r++) {
                from += counts[r];
            }
            Object block = Array.newInstance(type.getComponentType(), counts[me]);
            c.reduceScatter(mine, block, counts, op);
            Object expected = Array.newInstance(type.getComponentType(), counts[me]);
            System.arraycopy(all, from, expected, 0, counts[me]);
            same(what + " reduceScatter", block, expected);
        }
        same(what + ": the input changed", mine, copy);
    }

    /** gatherv, allgatherv, scatterv (uneven blocks), alltoall and broadcastInto, checked. */
    private static void blocks(Communicator c, Class<?> type, int n) {
        int size = c.size();
        int me = c.rank();
        String what = type.getTypeName() + "[" + n + "]";
        int[] counts = new int[size];
        int total = 0;
        for (int r = 0; r < size; r++) {
            counts[r] = n / size + r; // uneven
            total += counts[r];
        }
        Object everything = input(type, total, 99, Op.SUM);
        int from = 0;
        for (int r = 0; r < me; r++) {
            from += counts[r];
        }
        Object myBlock = Array.newInstance(type.getComponentType(), counts[me]);
        System.arraycopy(everything, from, myBlock, 0, counts[me]);
        for (int root = 0; root < size; root++) {
            Object recv = me == root ? Array.newInstance(type.getComponentType(), total) : null;
            c.gatherv(myBlock, recv, me == root ? counts : null, root);
            if (me == root) {
                same(what + " gatherv at " + root, recv, everything);
            }
            Object block = Array.newInstance(type.getComponentType(), counts[me]);
            c.scatterv(me == root ? everything : null, me == root ? counts : null, block, root);
            same(what + " scatterv from " + root, block, myBlock);
            Object b = me == root ? PrimitiveArrays.copy(everything) : Array.newInstance(type.getComponentType(), total);
            c.broadcastInto(b, root);
            same(what + " broadcastInto from " + root, b, everything);
        }
        Object all = Array.newInstance(type.getComponentType(), total);
        c.allgatherv(myBlock, all, counts);
        same(what + " allgatherv", all, everything);
        // alltoall: block j of rank i's send is input(i * size + j)
        int m = Math.max(1, n / size);
        Object send = Array.newInstance(type.getComponentType(), m * size);
        Object expected = Array.newInstance(type.getComponentType(), m * size);
        for (int j = 0; j < size; j++) {
            System.arraycopy(input(type, m, me * size + j, Op.SUM), 0, send, j * m, m);
            System.arraycopy(input(type, m, j * size + me, Op.SUM), 0, expected, j * m, m);
        }
        Object recv = Array.newInstance(type.getComponentType(), m * size);
        c.alltoall(send, recv);
        same(what + " alltoall", recv, expected);
    }

    /** @return rank {@code rank}'s input: small values, negative ones too (signed bytes), pairs for MINLOC/MAXLOC */
    static Object input(Class<?> type, int n, int rank, Op op) {
        Object a = Array.newInstance(type.getComponentType(), n);
        for (int i = 0; i < n; i++) {
            int v = Math.floorMod(rank * 7 + i * 3, 11) - 5; // -5..5
            if (op == Op.MINLOC || op == Op.MAXLOC) {
                v = i % 2 == 0 ? Math.floorMod(rank * 5 + i, 4) : rank; // (value, index): ties on purpose
            } else if (op == Op.PROD) {
                v = Math.floorMod(v, 3) - 1; // -1..1: no overflow at any size
            }
            if (type == byte[].class) {
                Array.setByte(a, i, (byte) (op == Op.MIN || op == Op.MAX ? v * 25 : v)); // -125..125
            } else if (type == short[].class) {
                Array.setShort(a, i, (short) v);
            } else if (type == char[].class) {
                Array.setChar(a, i, (char) (v + 5));
            } else if (type == int[].class) {
                Array.setInt(a, i, v);
            } else if (type == long[].class) {
                Array.setLong(a, i, v * 1_000_000_007L);
            } else if (type == float[].class) {
                Array.setFloat(a, i, v);
            } else if (type == double[].class) {
                Array.setDouble(a, i, v + 0.5);
            } else {
                Array.setBoolean(a, i, v % 2 == 0);
            }
        }
        return a;
    }

    private static void same(String what, Object got, Object expected) {
        if (!Objects.deepEquals(got, expected)) {
            int n = Array.getLength(expected);
            for (int i = 0; i < n; i++) {
                if (!Objects.equals(Array.get(got, i), Array.get(expected, i))) {
                    throw new AssertionError(what + ": element " + i + " is " + Array.get(got, i) + ", expected "
                            + Array.get(expected, i));
                }
            }
            throw new AssertionError(what + ": got " + PrimitiveArrays.describe(got) + ", expected "
                    + PrimitiveArrays.describe(expected));
        }
    }
}
