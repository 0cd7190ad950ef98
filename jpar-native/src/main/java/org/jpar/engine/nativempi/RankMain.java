package org.jpar.engine.nativempi;

import org.jpar.internal.MainMethods;

/**
 * What {@code jpar run --engine native} starts in every rank: {@code RankMain MAIN [ARGS...]} joins the MPI job
 * (so every rank initializes MPI, even one whose program never calls jpar), then runs {@code MAIN.main(ARGS)}.
 * An exception out of it prints {@code jpar: rank R of N failed: ...} with the stack trace and aborts the whole job.
 */
public final class RankMain {
    private RankMain() {
    }

    /** @param args the program's main class, then its arguments */
    public static void main(String[] args) {
        // this engine whatever the JDK (whatever the JDK or MPI), unless -Djpar.engine says otherwise
        MainMethods.runRank(args, NativeEngine.NAME,
                "(under mpirun or mpiexec; jpar run --engine native starts it)", NativeEngine::fail);
    }
}
