package org.jpar.job;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * {@link HostileFailuresTest}'s tasks as an SPMD program, for engines with their own launcher ({@code mpirun}): a
 * JobServer whose only worker is rank 1 runs every hostile kind of task exception; each must fail its own job with a
 * description, and rank 1 must go on serving. Rank 0 prints {@code hostile tasks ok on 1 worker(s)}; a failed check
 * throws out of main, which aborts the job.
 */
public final class HostileTasksMain {
    private HostileTasksMain() {
    }

    public static void main(String[] args) {
        Communicator world = Par.init(args);
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (server.isMaster()) {
                HostileFailuresTest.everyKindFailsItsJobOnly(server, "rank 1");
                System.out.println("hostile tasks ok on " + server.workers() + " worker(s)");
            }
        }
        Par.finish();
    }
}
