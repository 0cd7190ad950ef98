package org.jpar.programs;

import org.jpar.Par;

/**
 * Rank 1 ends its JVM with {@code Runtime.halt(0)}: no exception, no shutdown hook, no {@code MPI_Finalize}. The
 * others return normally. MPICH's {@code mpiexec} reports such a job as a success; jpar must not.
 */
public final class HaltingRank {
    private HaltingRank() {
    }

    public static void main(String[] args) throws Exception {
        Par.barrier();
        if (Par.rank() == 1) {
            Runtime.getRuntime().halt(0);
        }
    }
}
