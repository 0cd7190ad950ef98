package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Array;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Op;
import org.jpar.Par;

/**
 * Collectives on primitive arrays with the built-in operators, on every engine and at every size: every {@link Op} on
 * every array type it takes (checked against a reference written here, element by element, with integer wrap-around,
 * logical 0/1 results on integers and MINLOC/MAXLOC ties), in place ({@link Par#IN_PLACE}) and not, from every root;
 * uneven gatherv/scatterv blocks, allgatherv, reduceScatter, alltoall and broadcastInto. Inputs are never changed.
 */
public class ArrayCollectivesContract {
    private static final List<Class<?>> TYPES = List.of(byte[].class, short[].class, char[].class, int[].class,
            long[].class, float[].class, double[].class, boolean[].class);
    private static final int LENGTH = 6;

    /**
     * Rank r's input: element 0 at the type's maximum minus r (so SUM and PROD wrap; a power of two for floating
     * point, so that any order of the sum is exact), then small values with zeros; for MINLOC/MAXLOC, (value, index)
     * pairs with ties.
     */
    static Object input(Class<?> type, int rank, Op op) {
        Class<?> c = type.getComponentType();
        Object a = Array.newInstance(c, LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            long v = (rank * 31L + i * 17L) % 5 - 2;
            if (op == Op.MINLOC || op == Op.MAXLOC) {
                // pair 0 ties on every other rank, pair 1 differs, pair 2 ties on every rank; index = rank
                v = (i & 1) == 1 ? rank : i == 0 ? rank % 2 : i == 2 ? (rank * 7L) % 5 : 3;
            } else if (i == 0) {
                v = c == byte.class ? Byte.MAX_VALUE - rank : c == short.class ? Short.MAX_VALUE - rank
                        : c == char.class ? Character.MAX_VALUE - rank : c == int.class ? Integer.MAX_VALUE - rank
                        : c == long.class ? Long.MAX_VALUE - rank : 1;
            }
            set(a, i, v);
            if (i == 0 && op != Op.MINLOC && op != Op.MAXLOC) {
                if (a instanceof float[] f) {
                    f[0] = 0x1p100f;
                } else if (a instanceof double[] d) {
                    d[0] = 0x1p100;
                }
            }
        }
        return a;
    }

    static void set(Object a, int i, long v) {
        if (a instanceof byte[] x) {
            x[i] = (byte) v;
        } else if (a instanceof short[] x) {
            x[i] = (short) v;
        } else if (a instanceof char[] x) {
            x[i] = (char) v;
        } else if (a instanceof int[] x) {
            x[i] = (int) v;
        } else if (a instanceof long[] x) {
            x[i] = v;
        } else if (a instanceof float[] x) {
            x[i] = v;
        } else if (a instanceof double[] x) {
            x[i] = v;
        } else {
            ((boolean[]) a)[i] = (v & 1) != 0;
        }
    }

    /** @return element i as a double (exact for every type but long; char unsigned, boolean 0/1) */
    static double get(Object a, int i) {
        if (a instanceof byte[] x) {
            return x[i];
        } else if (a instanceof short[] x) {
            return x[i];
        } else if (a instanceof char[] x) {
            return x[i];
        } else if (a instanceof int[] x) {
            return x[i];
        } else if (a instanceof long[] x) {
            return x[i];
        } else if (a instanceof float[] x) {
            return x[i];
        } else if (a instanceof double[] x) {
            return x[i];
        }
        return ((boolean[]) a)[i] ? 1 : 0;
    }

    /** The reference: {@code op} over the inputs of ranks {@code from..to-1}, in rank order, written independently. */
    static Object expected(Class<?> type, Op op, int from, int to) {
        Object acc = input(type, from, op);
        for (int r = from + 1; r < to; r++) {
            Object in = input(type, r, op);
            for (int i = 0; i < LENGTH; i++) {
                if (op == Op.MINLOC || op == Op.MAXLOC) {
                    if ((i & 1) == 0) {
                        double x = get(acc, i);
                        double y = get(in, i);
                        boolean take = op == Op.MINLOC ? y < x : y > x;
                        if (take || y == x && get(in, i + 1) < get(acc, i + 1)) {
                            set(acc, i, in instanceof long[] l ? l[i] : (long) y);
                            set(acc, i + 1, in instanceof long[] l ? l[i + 1] : (long) get(in, i + 1));
                        }
                    }
                } else if (acc instanceof float[] f) {
                    float x = f[i];
                    float y = ((float[]) in)[i];
                    f[i] = switch (op) {
                        case SUM -> x + y;
                        case PROD -> x * y;
                        case MIN -> Math.min(x, y);
                        default -> Math.max(x, y);
                    };
                } else if (acc instanceof double[] d) {
                    double x = d[i];
                    double y = ((double[]) in)[i];
                    d[i] = switch (op) {
                        case SUM -> x + y;
                        case PROD -> x * y;
                        case MIN -> Math.min(x, y);
                        default -> Math.max(x, y);
                    };
                } else {
                    long x = acc instanceof long[] l ? l[i] : (long) get(acc, i);
                    long y = in instanceof long[] l ? l[i] : (long) get(in, i);
                    long v = switch (op) {
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
                        default -> throw new IllegalStateException(op.name());
                    };
                    set(acc, i, v);
                }
            }
        }
        return acc;
    }

    /** @return true if MPI (and jpar) defines {@code op} on arrays of {@code type} */
    static boolean takes(Op op, Class<?> type) {
        Class<?> c = type.getComponentType();
        boolean integral = c == byte.class || c == short.class || c == char.class || c == int.class
                || c == long.class;
        return switch (op) {
            case SUM, PROD, MIN, MAX -> integral || c == float.class || c == double.class;
            case LAND, LOR, LXOR, BAND, BOR, BXOR -> integral || c == boolean.class;
            case MINLOC, MAXLOC -> c == int.class || c == long.class || c == float.class || c == double.class;
        };
    }

    private static void assertArray(Object actual, Object expected, String what) {
        assertThat(actual).as(what).isInstanceOf(expected.getClass());
        if (expected instanceof long[] l) {
            assertThat((long[]) actual).as(what).containsExactly(l);
            return;
        }
        for (int i = 0; i < Array.getLength(expected); i++) {
            assertThat(get(actual, i)).as(what + " element " + i).isEqualTo(get(expected, i));
        }
    }

    @Contract
    public void allreduceTakesEveryOperatorOnEveryTypeItIsDefinedFor(Communicator c) {
        int n = c.size();
        for (Class<?> type : TYPES) {
            for (Op op : Op.values()) {
                if (!takes(op, type)) {
                    continue;
                }
                Object mine = input(type, c.rank(), op);
                Object result = c.allreduce(mine, op);
                String what = "allreduce " + op + " of " + type.getTypeName() + " at rank " + c.rank();
                assertArray(result, expected(type, op, 0, n), what);
                assertArray(mine, input(type, c.rank(), op), what + ": input unchanged");
                // in place: the input is recv
                Object inout = input(type, c.rank(), op);
                c.allreduce(Par.IN_PLACE, inout, op);
                assertArray(inout, expected(type, op, 0, n), what + " in place");
            }
        }
    }

    @Contract
    public void reduceFromEveryRootInPlaceOrNot(Communicator c) {
        int n = c.size();
        for (int root = 0; root < n; root++) {
            for (Class<?> type : TYPES) {
                for (Op op : Op.values()) {
                    if (!takes(op, type) || (root > 0 && op.ordinal() % 3 != root % 3)) {
                        continue; // every operator at root 0, a third of them at each other root
                    }
                    String what = "reduce " + op + " of " + type.getTypeName() + " to root " + root;
                    Object mine = input(type, c.rank(), op);
                    Object result = c.reduce(mine, op, root);
                    if (c.rank() == root) {
                        assertArray(result, expected(type, op, 0, n), what);
                    } else {
                        assertThat(result).as(what + " elsewhere").isNull();
                    }
                    assertArray(mine, input(type, c.rank(), op), what + ": input unchanged");
                    Object inout = input(type, c.rank(), op);
                    c.reduce(c.rank() == root ? Par.IN_PLACE : inout, c.rank() == root ? inout : null, op, root);
                    if (c.rank() == root) {
                        assertArray(inout, expected(type, op, 0, n), what + " in place");
                    }
                }
            }
        }
    }

    @Contract
    public void scanAndExscanGiveEachRankThePrefixOfTheRanksBelow(Communicator c) {
        int me = c.rank();
        for (Class<?> type : TYPES) {
            for (Op op : Op.values()) {
                if (!takes(op, type)) {
                    continue;
                }
                String what = op + " of " + type.getTypeName() + " at rank " + me;
                Object mine = input(type, me, op);
                assertArray(c.scan(mine, op), expected(type, op, 0, me + 1), "scan " + what);
                Object ex = c.exscan(mine, op);
                if (me > 0) {
                    assertArray(ex, expected(type, op, 0, me), "exscan " + what);
                } else {
                    assertArray(ex, Array.newInstance(type.getComponentType(), LENGTH), "exscan at rank 0 (zeros)");
                }
                assertArray(mine, input(type, me, op), what + ": input unchanged");
                Object inout = input(type, me, op);
                c.scan(Par.IN_PLACE, inout, op);
                assertArray(inout, expected(type, op, 0, me + 1), "scan in place " + what);
                inout = input(type, me, op);
                c.exscan(Par.IN_PLACE, inout, op);
                assertArray(inout, me > 0 ? expected(type, op, 0, me) : input(type, 0, op),
                        "exscan in place " + what + " (rank 0 unchanged)");
            }
        }
    }

    @Contract
    public void reduceScatterHandsEachRankItsBlockOfTheSum(Communicator c) {
        int n = c.size();
        int me = c.rank();
        int[] counts = new int[n];
        int total = 0;
        for (int r = 0; r < n; r++) {
            counts[r] = (r + 2) % 3; // uneven, with empty blocks from 3 ranks on
            total += counts[r];
        }
        long[] send = new long[total];
        for (int i = 0; i < total; i++) {
            send[i] = 1000L * me + i;
        }
        long[] sendCopy = send.clone();
        long[] recv = new long[counts[me] + 1];
        recv[counts[me]] = -7; // beyond the block: untouched
        c.reduceScatter(send, recv, counts, Op.SUM);
        int start = 0;
        for (int r = 0; r < me; r++) {
            start += counts[r];
        }
        for (int k = 0; k < counts[me]; k++) {
            long sum = 0;
            for (int r = 0; r < n; r++) {
                sum += 1000L * r + start + k;
            }
            assertThat(recv[k]).as("reduceScatter element " + k + " at rank " + me).isEqualTo(sum);
        }
        assertThat(recv[counts[me]]).as("after the block").isEqualTo(-7);
        assertThat(send).isEqualTo(sendCopy);
        // in place: recv holds the whole input and gets the block at its start
        long[] inout = sendCopy.clone();
        c.reduceScatter(Par.IN_PLACE, inout, counts, Op.MAX);
        for (int k = 0; k < counts[me]; k++) {
            assertThat(inout[k]).as("reduceScatter MAX in place, element " + k).isEqualTo(1000L * (n - 1) + start + k);
        }
    }

    @Contract
    public void gathervAndScattervMoveRowsThatDoNotDivideEvenly(Communicator c) {
        int n = c.size();
        int me = c.rank();
        int width = 3;
        int rows = 2 * n + 1; // never a multiple of n (n > 1)
        int[] counts = new int[n];
        int[] displs = new int[n];
        for (int r = 0; r < n; r++) {
            counts[r] = width * (rows / n + (r < rows % n ? 1 : 0));
            displs[r] = r == 0 ? 0 : displs[r - 1] + counts[r - 1];
        }
        for (int root = 0; root < n; root++) {
            double[] matrix = new double[rows * width + 2];
            for (int i = 0; i < matrix.length; i++) {
                matrix[i] = i + 0.5;
            }
            double[] block = new double[counts[me]];
            c.scatterv(me == root ? matrix : null, me == root ? counts : null, block, root);
            for (int k = 0; k < counts[me]; k++) {
                assertThat(block[k]).as("scatterv from " + root + " element " + k + " at rank " + me)
                        .isEqualTo(displs[me] + k + 0.5);
            }
            // each rank doubles its rows and root gathers them back
            double[] doubled = new double[counts[me]];
            for (int k = 0; k < counts[me]; k++) {
                doubled[k] = 2 * block[k];
            }
            double[] back = me == root ? new double[rows * width + 1] : null;
            if (back != null) {
                back[rows * width] = -1;
            }
            c.gatherv(doubled, back, me == root ? counts : null, root);
            if (me == root) {
                for (int i = 0; i < rows * width; i++) {
                    assertThat(back[i]).as("gatherv at root " + root + " element " + i).isEqualTo(2 * (i + 0.5));
                }
                assertThat(back[rows * width]).as("beyond the blocks").isEqualTo(-1);
            }
        }
        // allgatherv: every rank gets every block, also with int[] and a block of 0 elements at rank 0
        int[] icounts = new int[n];
        for (int r = 0; r < n; r++) {
            icounts[r] = r;
        }
        int[] mine = new int[me];
        for (int k = 0; k < me; k++) {
            mine[k] = 100 * me + k;
        }
        int total = n * (n - 1) / 2;
        int[] all = new int[total];
        c.allgatherv(mine, all, icounts);
        int i = 0;
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < r; k++) {
                assertThat(all[i++]).as("allgatherv element from rank " + r).isEqualTo(100 * r + k);
            }
        }
    }

    @Contract
    public void alltoallExchangesEqualBlocks(Communicator c) {
        int n = c.size();
        int me = c.rank();
        int b = 2;
        int[] send = new int[n * b];
        for (int d = 0; d < n; d++) {
            for (int k = 0; k < b; k++) {
                send[d * b + k] = 1000 * me + 10 * d + k;
            }
        }
        int[] copy = send.clone();
        int[] recv = new int[n * b];
        c.alltoall(send, recv);
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < b; k++) {
                assertThat(recv[s * b + k]).as("alltoall block from " + s + " at rank " + me)
                        .isEqualTo(1000 * s + 10 * me + k);
            }
        }
        assertThat(send).isEqualTo(copy);
        // with send and recv the same array
        c.alltoall(copy, copy);
        assertThat(copy).isEqualTo(recv);
        // Par.IN_PLACE as send (MPI_IN_PLACE): the blocks of recv are exchanged
        int[] inPlace = send.clone();
        c.alltoall(Par.IN_PLACE, inPlace);
        assertThat(inPlace).isEqualTo(recv);
        // 0-length blocks
        c.alltoall(new double[0], new double[0]);
    }

    @Contract
    public void broadcastIntoFillsEveryRanksBuffer(Communicator c) {
        int n = c.size();
        for (int root = 0; root < n; root++) {
            double[] d = new double[5];
            boolean[] z = new boolean[3];
            char[] ch = new char[4];
            if (c.rank() == root) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = root * 10 + i;
                }
                z[root % 3] = true;
                "ab\u00e9\uffff".getChars(0, 4, ch, 0);
            }
            c.broadcastInto(d, root);
            c.broadcastInto(z, root);
            c.broadcastInto(ch, root);
            for (int i = 0; i < d.length; i++) {
                assertThat(d[i]).isEqualTo(root * 10 + i);
            }
            for (int i = 0; i < z.length; i++) {
                assertThat(z[i]).isEqualTo(i == root % 3);
            }
            assertThat(new String(ch)).isEqualTo("ab\u00e9\uffff");
        }
    }

    @Contract
    public void anOperatorOnATypeItDoesNotTakeIsRefusedNamingBoth(Communicator c) {
        for (Class<?> type : TYPES) {
            for (Op op : Op.values()) {
                if (takes(op, type)) {
                    continue;
                }
                Object a = Array.newInstance(type.getComponentType(), 2);
                assertThatThrownBy(() -> c.allreduce(a, op)).as(op + " on " + type.getTypeName())
                        .isInstanceOf(JparException.class)
                        .hasMessageStartingWith("allreduce: Op." + op + " does not take " + type.getTypeName());
            }
        }
        assertThatThrownBy(() -> c.reduce(new double[2], Op.SUM, c.size()))
                .isInstanceOf(JparException.class)
                .hasMessage("reduce: root rank " + c.size() + " is out of range: valid ranks are 0.." + (c.size() - 1)
                        + " (size " + c.size() + ")");
        assertThatThrownBy(() -> c.allreduce(new double[2], new double[3], Op.SUM))
                .isInstanceOf(JparException.class)
                .hasMessage("allreduce: send has 2 elements but recv has 3: give arrays of the same length");
        // nothing above reached another rank: the next collective still pairs up
        assertThat(c.allreduce(new int[] {1}, Op.SUM)).containsExactly(c.size());
    }

    @Contract
    public void largeArraysTwiceInARow(Communicator c) {
        if (c.size() > 8) {
            return; // several arrays of 4.8 MB per rank: enough ranks for the trees, without the heap of 64
        }
        int n = c.size();
        int me = c.rank();
        int len = 600_000 - 600_000 % n; // 4.8 MB: over every engine's eager and staging thresholds
        for (int round = 0; round < 2; round++) {
            double[] a = new double[len];
            for (int i = 0; i < len; i += 997) {
                a[i] = me + i + round;
            }
            double[] sum = c.allreduce(a, Op.SUM);
            for (int i = 0; i < len; i += 997) {
                assertThat(sum[i]).as("allreduce element " + i).isEqualTo(n * (n - 1) / 2.0 + n * (double) (i + round));
            }
            double[] b = new double[len];
            if (me == n - 1) {
                b[len - 1] = 42 + round;
            }
            c.broadcastInto(b, n - 1);
            assertThat(b[len - 1]).isEqualTo(42 + round);
            int block = len / n;
            double[] out = new double[len];
            for (int d = 0; d < n; d++) {
                out[d * block] = 1000 * me + d + round;
                out[d * block + block - 1] = -(1000 * me + d);
            }
            double[] in = new double[len];
            c.alltoall(out, in);
            for (int s = 0; s < n; s++) {
                assertThat(in[s * block]).isEqualTo(1000 * s + me + round);
                assertThat(in[s * block + block - 1]).isEqualTo(-(1000 * s + me));
            }
            // in place: send is recv
            c.alltoall(out, out);
            assertThat(java.util.Arrays.equals(out, in)).as("in-place alltoall of large blocks").isTrue();
        }
    }
}
