package org.jpar.programs;

import org.jpar.Par;

/**
 * Every rank prints {@code args[0]} lines ({@code args[1]} x's long, default 20) with printf, each built from several pieces, on stdout and stderr. (Under
 * plain mpirun, output before a rank's first use of jpar is the JVM's own, not line-atomic: so Par comes first.)
 */
public final class PrintfRanks {
    private PrintfRanks() {
    }

    public static void main(String[] args) {
        int lines = Integer.parseInt(args[0]);
        String pad = "x".repeat(args.length > 1 ? Integer.parseInt(args[1]) : 20);
        int rank = Par.rank();
        for (int i = 0; i < lines; i++) {
            System.out.printf("rank %d line %d of %s%n", rank, i, pad);
            if (i % 10 == 0) {
                System.err.printf("rank %d err %d%n", rank, i);
            }
        }
    }
}
