package org.jpar.internal;

import org.jpar.Op;

/**
 * The element-wise kernels of the built-in operators ({@link Op}) on primitive arrays, and which operator takes which
 * type. Engines without a native reduction call {@link #combine}.
 */
public final class ArrayOps {
    private ArrayOps() {
    }

    /**
     * @param op    the operator
     * @param array the array class ({@code double[].class}, ...)
     * @return null if {@code op} takes arrays of this class, else the message saying why not and what to do
     */
    public static String refusal(Op op, Class<?> array) {
        Class<?> t = array.getComponentType();
        boolean integral = t == byte.class || t == short.class || t == char.class || t == int.class || t == long.class;
        boolean ok = switch (op) {
            case SUM, PROD, MIN, MAX -> integral || t == float.class || t == double.class;
            case LAND, LOR, LXOR, BAND, BOR, BXOR -> integral || t == boolean.class;
            case MINLOC, MAXLOC -> t == int.class || t == long.class || t == float.class || t == double.class;
        };
        if (ok) {
            return null;
        }
        return "Op." + op + " does not take " + array.getTypeName() + " (MPI defines it only for "
                + switch (op) {
                    case SUM, PROD, MIN, MAX -> "numbers: byte[] short[] char[] int[] long[] float[] double[]";
                    case LAND, LOR, LXOR, BAND, BOR, BXOR -> "boolean[] and integers: byte[] short[] char[] int[] long[]";
                    case MINLOC, MAXLOC -> "(value, index) pairs in int[] long[] float[] double[]";
                } + ")";
    }

    /**
     * Combines {@code in} into {@code inout} element by element: {@code inout[i] = inout[i] op in[i]}, for elements
     * {@code from} to {@code from + length - 1} of both. For MINLOC/MAXLOC, {@code from} and {@code length} count
     * elements (pairs take two) and must be even.
     *
     * @param op     the operator ({@link #refusal} must have accepted it for this type)
     * @param inout  the accumulator, which comes first in rank order
     * @param in     the other operand, which comes later in rank order
     */
    public static void combine(Op op, Object inout, Object in, int from, int length) {
        int end = from + length;
        if (inout instanceof double[] a) {
            double[] b = (double[]) in;
            switch (op) {
                case SUM -> { for (int i = from; i < end; i++) { a[i] += b[i]; } }
                case PROD -> { for (int i = from; i < end; i++) { a[i] *= b[i]; } }
                case MIN -> { for (int i = from; i < end; i++) { a[i] = Math.min(a[i], b[i]); } }
                case MAX -> { for (int i = from; i < end; i++) { a[i] = Math.max(a[i], b[i]); } }
                case MINLOC, MAXLOC -> {
                    for (int i = from; i + 1 < end; i += 2) {
                        if (better(op, Double.compare(b[i], a[i]), b[i + 1], a[i + 1])) {
                            a[i] = b[i];
                            a[i + 1] = b[i + 1];
                        }
                    }
                }
                default -> throw refused(op, inout);
            }
        } else if (inout instanceof float[] a) {
            float[] b = (float[]) in;
            switch (op) {
                case SUM -> { for (int i = from; i < end; i++) { a[i] += b[i]; } }
                case PROD -> { for (int i = from; i < end; i++) { a[i] *= b[i]; } }
                case MIN -> { for (int i = from; i < end; i++) { a[i] = Math.min(a[i], b[i]); } }
                case MAX -> { for (int i = from; i < end; i++) { a[i] = Math.max(a[i], b[i]); } }
                case MINLOC, MAXLOC -> {
                    for (int i = from; i + 1 < end; i += 2) {
                        if (better(op, Float.compare(b[i], a[i]), b[i + 1], a[i + 1])) {
                            a[i] = b[i];
                            a[i + 1] = b[i + 1];
                        }
                    }
                }
                default -> throw refused(op, inout);
            }
        } else if (inout instanceof long[] a) {
            long[] b = (long[]) in;
            switch (op) {
                case SUM -> { for (int i = from; i < end; i++) { a[i] += b[i]; } }
                case PROD -> { for (int i = from; i < end; i++) { a[i] *= b[i]; } }
                case MIN -> { for (int i = from; i < end; i++) { a[i] = Math.min(a[i], b[i]); } }
                case MAX -> { for (int i = from; i < end; i++) { a[i] = Math.max(a[i], b[i]); } }
                case LAND -> { for (int i = from; i < end; i++) { a[i] = a[i] != 0 && b[i] != 0 ? 1 : 0; } }
                case LOR -> { for (int i = from; i < end; i++) { a[i] = a[i] != 0 || b[i] != 0 ? 1 : 0; } }
                case LXOR -> { for (int i = from; i < end; i++) { a[i] = (a[i] != 0) != (b[i] != 0) ? 1 : 0; } }
                case BAND -> { for (int i = from; i < end; i++) { a[i] &= b[i]; } }
                case BOR -> { for (int i = from; i < end; i++) { a[i] |= b[i]; } }
                case BXOR -> { for (int i = from; i < end; i++) { a[i] ^= b[i]; } }
                case MINLOC, MAXLOC -> {
                    for (int i = from; i + 1 < end; i += 2) {
                        if (better(op, Long.compare(b[i], a[i]), b[i + 1], a[i + 1])) {
                            a[i] = b[i];
                            a[i + 1] = b[i + 1];
                        }
                    }
                }
            }
        } else if (inout instanceof int[] a) {
            int[] b = (int[]) in;
            switch (op) {
                case SUM -> { for (int i = from; i < end; i++) { a[i] += b[i]; } }
                case PROD -> { for (int i = from; i < end; i++) { a[i] *= b[i]; } }
                case MIN -> { for (int i = from; i < end; i++) { a[i] = Math.min(a[i], b[i]); } }
                case MAX -> { for (int i = from; i < end; i++) { a[i] = Math.max(a[i], b[i]); } }
                case LAND -> { for (int i = from; i < end; i++) { a[i] = a[i] != 0 && b[i] != 0 ? 1 : 0; } }
                case LOR -> { for (int i = from; i < end; i++) { a[i] = a[i] != 0 || b[i] != 0 ? 1 : 0; } }
                case LXOR -> { for (int i = from; i < end; i++) { a[i] = (a[i] != 0) != (b[i] != 0) ? 1 : 0; } }
                case BAND -> { for (int i = from; i < end; i++) { a[i] &= b[i]; } }
                case BOR -> { for (int i = from; i < end; i++) { a[i] |= b[i]; } }
                case BXOR -> { for (int i = from; i < end; i++) { a[i] ^= b[i]; } }
                case MINLOC, MAXLOC -> {
                    for (int i = from; i + 1 < end; i += 2) {
                        if (better(op, Integer.compare(b[i], a[i]), b[i + 1], a[i + 1])) {
                            a[i] = b[i];
                            a[i + 1] = b[i + 1];
                        }
                    }
                }
            }
        } else if (inout instanceof boolean[] a) {
            boolean[] b = (boolean[]) in;
            switch (op) {
                case LAND, BAND -> { for (int i = from; i < end; i++) { a[i] &= b[i]; } }
                case LOR, BOR -> { for (int i = from; i < end; i++) { a[i] |= b[i]; } }
                case LXOR, BXOR -> { for (int i = from; i < end; i++) { a[i] ^= b[i]; } }
                default -> throw refused(op, inout);
            }
        } else {
            // byte[], short[], char[]: through long arithmetic, narrowed back as C does
            int n = end;
            for (int i = from; i < n; i++) {
                long x = get(inout, i);
                long y = get(in, i);
                long r = switch (op) {
                    case SUM -> x + y;
                    case PROD -> x * y;
                    case MIN -> Math.min(x, y);
                    case MAX -> Math.max(x, y);
                    case LAND -> x != 0 && y != 0 ? 1 : 0;
                    case LOR -> x != 0 || y != 0 ? 1 : 0;
                    case LXOR -> (x != 0) != (y != 0) ? 1 : 0;
                    case BAND -> x & y;
                    case BOR -> x | y;
                    case BXOR -> x ^ y;
                    default -> throw refused(op, inout);
                };
                set(inout, i, r);
            }
        }
    }

    /** Whole-array form of {@link #combine(Op, Object, Object, int, int)}. */
    public static void combine(Op op, Object inout, Object in) {
        combine(op, inout, in, 0, java.lang.reflect.Array.getLength(inout));
    }

    /** MINLOC/MAXLOC: does the later pair (compared {@code cmp} to the earlier) replace it? Ties: smaller index. */
    private static boolean better(Op op, int cmp, double laterIndex, double earlierIndex) {
        int c = op == Op.MINLOC ? -cmp : cmp;
        return c > 0 || c == 0 && laterIndex < earlierIndex;
    }

    private static long get(Object a, int i) {
        if (a instanceof byte[] x) {
            return x[i];
        } else if (a instanceof short[] x) {
            return x[i];
        }
        return ((char[]) a)[i];
    }

    private static void set(Object a, int i, long v) {
        if (a instanceof byte[] x) {
            x[i] = (byte) v;
        } else if (a instanceof short[] x) {
            x[i] = (short) v;
        } else {
            ((char[]) a)[i] = (char) v;
        }
    }

    private static IllegalArgumentException refused(Op op, Object array) {
        return new IllegalArgumentException(refusal(op, array.getClass()));
    }
}
