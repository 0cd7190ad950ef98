package org.jpar.programs;

import org.jpar.Par;

/**
 * Every rank prints {@code args[0]} lines with printf, each built from several pieces, on stdout and stderr. (Under
 * plain mpirun, output before a rank's first use of jpar is the JVM's own, not line-atomic: so Par comes first.)
 */
public final class PrintfRanks {
    private PrintfRanks() {
    }

    public static void main(String[] args) {
        int lines = Integer.parseInt(args[0]);
        int rank = Par.rank();
        for (int i = 0; i < lines; i++) {
            System.out.printf("rank %d line %d of %s%n", rank, i, "x".repeat(20));
            if (i % 10 == 0) {
                System.err.printf("rank %d err %d%n", rank, i);
            }
        }
    }
}
