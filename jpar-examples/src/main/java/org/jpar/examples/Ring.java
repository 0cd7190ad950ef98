package org.jpar.examples;

import org.jpar.Par;

/**
 * PyPar's ring: rank 0 sends "P0" to rank 1, every rank appends its own {@code "P<rank>"} and passes the message on, and
 * rank 0 gets it back from the last rank.
 *
 * <pre>mpirun-scripts/jpar run -np 4 org.jpar.examples.Ring</pre>
 */
public final class Ring {
    private Ring() {
    }

    public static void main(String[] args) {
        int rank = Par.rank();
        int size = Par.size();
        if (size < 2) {
            throw new IllegalArgumentException("the ring needs at least 2 ranks, got " + size + ": run it with -np 2 or more");
        }
        System.out.println("I am rank " + rank + " of " + size + " on node " + Par.processorName());
        if (rank == 0) {
            Par.send("P0", 1);
            String msg = Par.receive(size - 1);
            System.out.println("Processor 0 received message \"" + msg + "\" from rank " + (size - 1));
        } else {
            String msg = Par.receive(rank - 1);
            Par.send(msg + "P" + rank, (rank + 1) % size);
        }
        Par.finish();
    }
}
