package org.jpar.programs;

import java.lang.reflect.Array;
import java.util.Arrays;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;
import org.jpar.internal.ArrayOps;

/**
 * Checks the array collectives an engine may map to its MPI's own (allreduce, reduce, broadcastInto) for every
 * primitive array type and every operation jpar allows on it, in place and not, against the element-wise kernels
 * applied here to every rank's input in rank order. Inputs are small whole numbers, so floating-point sums are exact
 * in any order. Rank 0 prints {@code array collectives ok: N checks}.
 */
public final class ArrayCollectivesCheck {
    private static final Class<?>[] TYPES = {byte[].class, short[].class, char[].class, int[].class, long[].class,
        float[].class, double[].class, boolean[].class};

    private ArrayCollectivesCheck() {
    }

    /** @return rank {@code r}'s input of {@code type}: small values, different per rank and element */
    static Object input(Class<?> type, int r, int n) {
        Object a = Array.newInstance(type.getComponentType(), n);
        for (int i = 0; i < n; i++) {
            int v = ((r + 1) * 7 + i * 3) % 5 + (i % 3 == 0 ? 1 : 0);
            if (type == boolean[].class) {
                Array.setBoolean(a, i, (v & 1) == 1);
            } else if (type == char[].class) {
                Array.setChar(a, i, (char) v);
            } else if (type == byte[].class) {
                Array.setByte(a, i, (byte) v);
            } else if (type == short[].class) {
                Array.setShort(a, i, (short) v);
            } else {
                Array.set(a, i, type == int[].class ? (Object) v : type == long[].class ? (Object) (long) v
                        : type == float[].class ? (Object) (float) v : (Object) (double) v);
            }
        }
        return a;
    }

    static boolean same(Object a, Object b) {
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }

    public static void main(String[] args) {
        Communicator c = Par.world();
        int checks = 0;
        for (int n : new int[] {1, 5, 70_000}) {
            for (Class<?> type : TYPES) {
                for (Op op : Op.values()) {
                    if (op == Op.MINLOC || op == Op.MAXLOC || ArrayOps.refusal(op, type) != null) {
                        continue;
                    }
                    Object expected = input(type, 0, n);
                    for (int r = 1; r < c.size(); r++) {
                        ArrayOps.combine(op, expected, input(type, r, n), 0, n);
                    }
                    Object mine = input(type, c.rank(), n);
                    Object got = c.allreduce(mine, op);
                    check(same(got, expected) && same(mine, input(type, c.rank(), n)), "allreduce", type, op, n);
                    Object inPlace = input(type, c.rank(), n);
                    c.allreduce(Par.IN_PLACE, inPlace, op);
                    check(same(inPlace, expected), "allreduce in place", type, op, n);
                    int root = c.size() - 1;
                    Object atRoot = c.reduce(input(type, c.rank(), n), op, root);
                    check(c.rank() == root ? same(atRoot, expected) : atRoot == null, "reduce", type, op, n);
                    checks += 3;
                }
                Object b = c.rank() == 0 ? input(type, 42, n) : Array.newInstance(type.getComponentType(), n);
                c.broadcastInto(b, 0);
                check(same(b, input(type, 42, n)), "broadcastInto", type, null, n);
                checks++;
            }
        }
        if (c.rank() == 0) {
            System.out.println("array collectives ok: " + checks + " checks on engine " + c.engine());
        }
    }

    private static void check(boolean ok, String what, Class<?> type, Op op, int n) {
        if (!ok) {
            throw new AssertionError(what + " of " + type.getTypeName() + (op == null ? "" : " with " + op) + " ("
                    + n + " elements) differs from the element-wise result in rank order");
        }
    }
}
