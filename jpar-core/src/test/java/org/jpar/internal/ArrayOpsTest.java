package org.jpar.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.jpar.Op;
import org.junit.jupiter.api.Test;

/** The element-wise kernels: every operator on every type it takes, with hand-computed results. */
class ArrayOpsTest {
    private static final List<Class<?>> TYPES = List.of(byte[].class, short[].class, char[].class, int[].class,
            long[].class, float[].class, double[].class, boolean[].class);

    private static Object combined(Op op, Object a, Object b) {
        ArrayOps.combine(op, a, b);
        return a;
    }

    @Test
    void arithmeticOnEveryNumericType() {
        assertThat((double[]) combined(Op.SUM, new double[] {1.5, -2, 0}, new double[] {2, 3, -0.25}))
                .containsExactly(3.5, 1, -0.25);
        assertThat((double[]) combined(Op.PROD, new double[] {1.5, -2, 0}, new double[] {2, 3, -0.25}))
                .containsExactly(3, -6, -0.0);
        assertThat((double[]) combined(Op.MIN, new double[] {1.5, -2}, new double[] {2, -3})).containsExactly(1.5, -3);
        assertThat((double[]) combined(Op.MAX, new double[] {1.5, -2}, new double[] {2, -3})).containsExactly(2, -2);
        assertThat((float[]) combined(Op.SUM, new float[] {1.5f, 3e38f}, new float[] {2, 3e38f}))
                .containsExactly(3.5f, Float.POSITIVE_INFINITY);
        assertThat((float[]) combined(Op.PROD, new float[] {3, -1}, new float[] {2, 4})).containsExactly(6, -4);
        assertThat((float[]) combined(Op.MIN, new float[] {3, -1}, new float[] {2, 4})).containsExactly(2, -1);
        assertThat((float[]) combined(Op.MAX, new float[] {3, -1}, new float[] {2, 4})).containsExactly(3, 4);
        assertThat((long[]) combined(Op.SUM, new long[] {Long.MAX_VALUE, 5}, new long[] {1, -7}))
                .containsExactly(Long.MIN_VALUE, -2);
        assertThat((long[]) combined(Op.PROD, new long[] {1L << 62, 5}, new long[] {4, -7})).containsExactly(0, -35);
        assertThat((long[]) combined(Op.MIN, new long[] {3, -1}, new long[] {2, 4})).containsExactly(2, -1);
        assertThat((long[]) combined(Op.MAX, new long[] {3, -1}, new long[] {2, 4})).containsExactly(3, 4);
        assertThat((int[]) combined(Op.SUM, new int[] {Integer.MAX_VALUE, 5}, new int[] {1, -7}))
                .containsExactly(Integer.MIN_VALUE, -2);
        assertThat((int[]) combined(Op.PROD, new int[] {1 << 30, 5}, new int[] {4, -7})).containsExactly(0, -35);
        assertThat((int[]) combined(Op.MIN, new int[] {3, -1}, new int[] {2, 4})).containsExactly(2, -1);
        assertThat((int[]) combined(Op.MAX, new int[] {3, -1}, new int[] {2, 4})).containsExactly(3, 4);
        assertThat((short[]) combined(Op.SUM, new short[] {Short.MAX_VALUE, 5}, new short[] {1, -7}))
                .containsExactly(Short.MIN_VALUE, (short) -2);
        assertThat((short[]) combined(Op.PROD, new short[] {300, 5}, new short[] {300, -7}))
                .containsExactly((short) (90000 - 65536 * 1), (short) -35);
        assertThat((short[]) combined(Op.MIN, new short[] {3, -1}, new short[] {2, 4})).containsExactly((short) 2,
                (short) -1);
        assertThat((short[]) combined(Op.MAX, new short[] {3, -1}, new short[] {2, 4})).containsExactly((short) 3,
                (short) 4);
        assertThat((byte[]) combined(Op.SUM, new byte[] {127, 5}, new byte[] {1, -7})).containsExactly(-128, -2);
        assertThat((byte[]) combined(Op.PROD, new byte[] {16, 5}, new byte[] {16, -7})).containsExactly(0, -35);
        assertThat((byte[]) combined(Op.MIN, new byte[] {3, -1}, new byte[] {2, 4})).containsExactly(2, -1);
        assertThat((byte[]) combined(Op.MAX, new byte[] {3, -1}, new byte[] {2, 4})).containsExactly(3, 4);
        // char is unsigned: 0xFFFF is the largest, and sums wrap at 65536
        assertThat((char[]) combined(Op.SUM, new char[] {0xFFFF, 'a'}, new char[] {2, 1})).containsExactly((char) 1, 'b');
        assertThat((char[]) combined(Op.PROD, new char[] {0x100, 3}, new char[] {0x100, 5})).containsExactly((char) 0, (char) 15);
        assertThat((char[]) combined(Op.MIN, new char[] {0xFFFF, 'a'}, new char[] {1, 'b'})).containsExactly((char) 1, 'a');
        assertThat((char[]) combined(Op.MAX, new char[] {0xFFFF, 'a'}, new char[] {1, 'b'}))
                .containsExactly((char) 0xFFFF, 'b');
    }

    @Test
    void logicalOperatorsOnIntegersGiveZeroOrOne() {
        // operands 0/nonzero in all four combinations: (0,0) (0,5) (-3,0) (-3,5)
        assertThat((int[]) combined(Op.LAND, new int[] {0, 0, -3, -3}, new int[] {0, 5, 0, 5})).containsExactly(0, 0, 0, 1);
        assertThat((int[]) combined(Op.LOR, new int[] {0, 0, -3, -3}, new int[] {0, 5, 0, 5})).containsExactly(0, 1, 1, 1);
        assertThat((int[]) combined(Op.LXOR, new int[] {0, 0, -3, -3}, new int[] {0, 5, 0, 5}))
                .containsExactly(0, 1, 1, 0);
        assertThat((long[]) combined(Op.LAND, new long[] {0, 0, -3, -3}, new long[] {0, 5, 0, 5}))
                .containsExactly(0, 0, 0, 1);
        assertThat((long[]) combined(Op.LOR, new long[] {0, 0, -3, -3}, new long[] {0, 5, 0, 5}))
                .containsExactly(0, 1, 1, 1);
        assertThat((long[]) combined(Op.LXOR, new long[] {0, 0, -3, -3}, new long[] {0, 5, 0, 5}))
                .containsExactly(0, 1, 1, 0);
        assertThat((short[]) combined(Op.LXOR, new short[] {0, 0, -3, -3}, new short[] {0, 5, 0, 5}))
                .containsExactly((short) 0, (short) 1, (short) 1, (short) 0);
        assertThat((byte[]) combined(Op.LAND, new byte[] {0, 0, -3, -3}, new byte[] {0, 5, 0, 5}))
                .containsExactly(0, 0, 0, 1);
        assertThat((char[]) combined(Op.LOR, new char[] {0, 0, 3, 3}, new char[] {0, 5, 0, 5}))
                .containsExactly((char) 0, (char) 1, (char) 1, (char) 1);
        boolean[] f = {false, false, true, true};
        boolean[] g = {false, true, false, true};
        assertThat((boolean[]) combined(Op.LAND, f.clone(), g)).containsExactly(false, false, false, true);
        assertThat((boolean[]) combined(Op.LOR, f.clone(), g)).containsExactly(false, true, true, true);
        assertThat((boolean[]) combined(Op.LXOR, f.clone(), g)).containsExactly(false, true, true, false);
    }

    @Test
    void bitwiseOperators() {
        assertThat((int[]) combined(Op.BAND, new int[] {0b1100, -1}, new int[] {0b1010, 7})).containsExactly(0b1000, 7);
        assertThat((int[]) combined(Op.BOR, new int[] {0b1100, -8}, new int[] {0b1010, 7})).containsExactly(0b1110, -1);
        assertThat((int[]) combined(Op.BXOR, new int[] {0b1100, -1}, new int[] {0b1010, 7})).containsExactly(0b0110, -8);
        assertThat((long[]) combined(Op.BXOR, new long[] {0b1100, -1}, new long[] {0b1010, 7})).containsExactly(6, -8);
        assertThat((long[]) combined(Op.BAND, new long[] {0b1100}, new long[] {0b1010})).containsExactly(8);
        assertThat((long[]) combined(Op.BOR, new long[] {0b1100}, new long[] {0b1010})).containsExactly(14);
        assertThat((byte[]) combined(Op.BOR, new byte[] {(byte) 0x80, 1}, new byte[] {1, 2})).containsExactly(-127, 3);
        assertThat((byte[]) combined(Op.BAND, new byte[] {(byte) 0xF0}, new byte[] {(byte) 0x3C}))
                .containsExactly(0x30);
        assertThat((short[]) combined(Op.BAND, new short[] {(short) 0xFF00}, new short[] {0x0FF0}))
                .containsExactly((short) 0x0F00);
        assertThat((char[]) combined(Op.BXOR, new char[] {0xFFFF}, new char[] {0x00FF})).containsExactly((char) 0xFF00);
        boolean[] f = {false, false, true, true};
        boolean[] g = {false, true, false, true};
        assertThat((boolean[]) combined(Op.BAND, f.clone(), g)).containsExactly(false, false, false, true);
        assertThat((boolean[]) combined(Op.BOR, f.clone(), g)).containsExactly(false, true, true, true);
        assertThat((boolean[]) combined(Op.BXOR, f.clone(), g)).containsExactly(false, true, true, false);
    }

    @Test
    void minlocAndMaxlocTakeValueIndexPairsAndBreakTiesByTheSmallerIndex() {
        // pairs (value, index): a smaller, a larger, a tie with the later index smaller, a tie with it larger
        double[] a = {1, 4, 5, 4, 2, 9, 2, 1};
        double[] b = {3, 7, 0, 7, 2, 3, 2, 8};
        assertThat((double[]) combined(Op.MINLOC, a.clone(), b)).containsExactly(1, 4, 0, 7, 2, 3, 2, 1);
        assertThat((double[]) combined(Op.MAXLOC, a.clone(), b)).containsExactly(3, 7, 5, 4, 2, 3, 2, 1);
        int[] ia = {1, 4, 5, 4, 2, 9, 2, 1};
        int[] ib = {3, 7, 0, 7, 2, 3, 2, 8};
        assertThat((int[]) combined(Op.MINLOC, ia.clone(), ib)).containsExactly(1, 4, 0, 7, 2, 3, 2, 1);
        assertThat((int[]) combined(Op.MAXLOC, ia.clone(), ib)).containsExactly(3, 7, 5, 4, 2, 3, 2, 1);
        long[] la = {1, 4, 5, 4, 2, 9, 2, 1};
        long[] lb = {3, 7, 0, 7, 2, 3, 2, 8};
        assertThat((long[]) combined(Op.MINLOC, la.clone(), lb)).containsExactly(1, 4, 0, 7, 2, 3, 2, 1);
        assertThat((long[]) combined(Op.MAXLOC, la.clone(), lb)).containsExactly(3, 7, 5, 4, 2, 3, 2, 1);
        float[] fa = {1, 4, 5, 4, 2, 9, 2, 1};
        float[] fb = {3, 7, 0, 7, 2, 3, 2, 8};
        assertThat((float[]) combined(Op.MINLOC, fa.clone(), fb)).containsExactly(1, 4, 0, 7, 2, 3, 2, 1);
        assertThat((float[]) combined(Op.MAXLOC, fa.clone(), fb)).containsExactly(3, 7, 5, 4, 2, 3, 2, 1);
    }

    @Test
    void aRangeCombinesOnlyItsElements() {
        int[] a = {1, 1, 1, 1, 1};
        ArrayOps.combine(Op.SUM, a, new int[] {5, 5, 5, 5, 5}, 1, 3);
        assertThat(a).containsExactly(1, 6, 6, 6, 1);
        byte[] b = {1, 1, 1, 1};
        ArrayOps.combine(Op.MAX, b, new byte[] {9, 9, 9, 9}, 2, 2);
        assertThat(b).containsExactly(1, 1, 9, 9);
        double[] p = {5, 0, 5, 1, 5, 2};
        ArrayOps.combine(Op.MINLOC, p, new double[] {1, 9, 1, 9, 1, 9}, 2, 2);
        assertThat(p).containsExactly(5, 0, 1, 9, 5, 2);
    }

    @Test
    void refusalNamesTheOperatorTheTypeAndWhatItTakes() {
        int accepted = 0;
        for (Class<?> type : TYPES) {
            for (Op op : Op.values()) {
                String why = ArrayOps.refusal(op, type);
                if (why == null) {
                    accepted++;
                    ArrayOps.combine(op, java.lang.reflect.Array.newInstance(type.getComponentType(), 2),
                            java.lang.reflect.Array.newInstance(type.getComponentType(), 2));
                } else {
                    assertThat(why).startsWith("Op." + op + " does not take " + type.getTypeName()
                            + " (MPI defines it only for ");
                    assertThatThrownBy(() -> ArrayOps.combine(op,
                            java.lang.reflect.Array.newInstance(type.getComponentType(), 2),
                            java.lang.reflect.Array.newInstance(type.getComponentType(), 2)))
                            .as(op + " on " + type.getTypeName()).isInstanceOf(IllegalArgumentException.class)
                            .hasMessage(why);
                }
            }
        }
        // SUM PROD MIN MAX on 7 numeric types, 6 logical/bitwise on 5 integer types and boolean, 2 LOC on 4 types
        assertThat(accepted).isEqualTo(4 * 7 + 6 * 6 + 2 * 4);
        assertThat(ArrayOps.refusal(Op.LAND, double[].class))
                .isEqualTo("Op.LAND does not take double[] (MPI defines it only for boolean[] and integers: "
                        + "byte[] short[] char[] int[] long[])");
        assertThat(ArrayOps.refusal(Op.MINLOC, short[].class))
                .isEqualTo("Op.MINLOC does not take short[] (MPI defines it only for (value, index) pairs in int[] "
                        + "long[] float[] double[])");
    }
}
