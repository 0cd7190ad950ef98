package org.jpar.engine.openmpi;

import org.jpar.internal.MainMethods;

/**
 * What {@code jpar run --engine openmpi} starts in every rank: {@code RankMain MAIN [ARGS...]} joins the MPI job
 * (so every rank initializes MPI, even one whose program never calls jpar), then runs {@code MAIN.main(ARGS)}.
 * An exception out of it prints {@code jpar: rank R of N failed: ...} with the stack trace and aborts the whole job.
 */
public final class RankMain {
    private RankMain() {
    }

    /** @param args the program's main class, then its arguments */
    public static void main(String[] args) {
        // this engine whatever the JDK (not the native engine on JDK 22+), unless -Djpar.engine says otherwise
        MainMethods.runRank(args, OpenMpiEngine.NAME,
                "(under mpirun; jpar run --engine openmpi starts it)", OpenMpiEngine::fail);
    }
}
