package org.jpar.programs;

import org.jpar.Par;

/**
 * Every rank overflows its stack on purpose, catches the {@code StackOverflowError}, and goes on communicating: a JVM
 * survives this only while its own SIGSEGV handler is in force (MPI libraries built on UCX replace it when they load).
 */
public final class CaughtStackOverflow {
    private CaughtStackOverflow() {
    }

    private static int depth(int n) {
        return depth(n + 1) + 1;
    }

    public static void main(String[] args) {
        Par.barrier(); // MPI is up (the library loaded, MPI_Init_thread done) before the overflow
        for (int i = 0; i < 3; i++) {
            try {
                depth(0);
                throw new IllegalStateException("no stack overflow");
            } catch (StackOverflowError e) {
                // survivable: the JVM turned the guard page hit into an error
            }
            Object n = null;
            try {
                n.hashCode(); // a null check: the JVM's SIGSEGV handler at work too
            } catch (NullPointerException e) {
                // expected
            }
        }
        int sum = Par.allreduce(1, Integer::sum);
        if (Par.rank() == 0) {
            System.out.println("survived the stack overflow on " + sum + " ranks");
        }
    }
}
