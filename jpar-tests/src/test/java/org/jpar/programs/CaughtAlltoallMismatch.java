package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * An all-to-all whose last rank passes blocks of twice the length of the others' (every rank catches the error),
 * then an all-to-all that matches: every rank checks each block of the second one and prints
 * {@code rank R: second alltoall ok}. args[0]: the block's length in doubles (default 1); args[1]: how many times
 * (default 1; more pass the engine's count of all-to-alls round, which the MPJ engine's tags of large blocks use).
 */
public final class CaughtAlltoallMismatch {
    private CaughtAlltoallMismatch() {
    }

    public static void main(String[] args) {
        int block = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int times = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        try (Communicator w = Par.init(args)) {
            for (int t = 0; t < times; t++) {
                mismatchThenMatch(w, block);
            }
        }
    }

    private static void mismatchThenMatch(Communicator w, int block) {
        int me = w.rank();
        int n = w.size();
        int mine = me == n - 1 ? 2 * block : block;
        try {
            w.alltoall(blocks(1, me, n, mine), new double[n * mine]);
            System.out.println("rank " + me + ": first alltoall gave no error");
        } catch (JparException e) {
            System.out.println("rank " + me + ": caught " + e.getMessage());
        }
        double[] recv = new double[n * block];
        w.alltoall(blocks(2, me, n, block), recv);
        for (int from = 0; from < n; from++) {
            for (int k = 0; k < block; k++) {
                double want = value(2, from, me, k);
                if (recv[from * block + k] != want) {
                    throw new IllegalStateException("rank " + me + ": block from rank " + from + " element " + k
                            + " is " + recv[from * block + k] + ", not " + want + " (second alltoall)");
                }
            }
        }
        System.out.println("rank " + me + ": second alltoall ok");
    }

    /** @return rank {@code me}'s send array of all-to-all number {@code call}: {@code n} blocks of {@code block} */
    private static double[] blocks(int call, int me, int n, int block) {
        double[] a = new double[n * block];
        for (int to = 0; to < n; to++) {
            for (int k = 0; k < block; k++) {
                a[to * block + k] = value(call, me, to, k);
            }
        }
        return a;
    }

    private static double value(int call, int from, int to, int k) {
        return call * 1e9 + from * 1e7 + to * 1e5 + k;
    }
}
