package org.jpar.launcher;

import java.util.List;

/**
 * How the launcher starts a job on one engine. The threads engine runs the ranks in this JVM; MPI engines start
 * their own launcher ({@code mpirun}, ...) with one JVM per rank.
 */
interface Engine {
    /** What {@code jpar run} asks for. */
    record Job(int ranks, String mainClass, List<String> args, String classPath, String hostfile,
               List<String> engineOptions) {
    }

    /** @return the name given to {@code --engine} */
    String name();

    /**
     * Runs the job to its end.
     *
     * @return the exit code: 0 ok, 1 a rank failed
     * @throws UsageException when the job cannot be started as asked (missing engine, bad main class)
     */
    int run(Job job);
}
