package org.jpar.programs;

import java.util.List;

import org.jpar.Par;
import org.jpar.job.JobServer;
import org.jpar.job.Pool;

/**
 * The master throws inside {@code try (var world = Par.init(args); Pool pool = new Pool())} (or a
 * {@code JobServer}, {@code args[0]} = {@code server}) after some work; the other ranks serve in the constructor, and
 * then meet in a barrier.
 */
public final class ThrowInPool {
    private ThrowInPool() {
    }

    public static void main(String[] args) {
        boolean server = args.length > 0 && args[0].equals("server");
        try (var world = Par.init(args); AutoCloseable jobs = server ? new JobServer() : new Pool()) {
            boolean master = server ? ((JobServer) jobs).isMaster() : ((Pool) jobs).isMaster();
            if (master) {
                List<Integer> squares = server
                        ? List.of(((JobServer) jobs).submit((Integer x) -> x * x, 7).get())
                        : ((Pool) jobs).map((Integer x) -> x * x, List.of(1, 2, 3));
                System.out.println("squares " + squares);
                throw new IllegalStateException("boom in the master, rank " + world.rank());
            }
            world.barrier();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
