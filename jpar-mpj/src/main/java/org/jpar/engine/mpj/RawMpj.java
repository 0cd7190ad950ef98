package org.jpar.engine.mpj;

/**
 * The calling rank's own MPJ Express API and world communicator, for {@code jpar bench}'s raw MPJ baseline: the same
 * ping-pong written directly against MPJ's mpiJava 1.2 API, in the same job as jpar's. Not API.
 *
 * @param mpj   the rank's {@code mpi.*}, bound
 * @param world a duplicate of the rank's {@code MPI.COMM_WORLD} (its messages never meet jpar's)
 */
public record RawMpj(Mpj mpj, Object world) {
    private static final InheritableThreadLocal<RawMpj> RANK = new InheritableThreadLocal<>();
    private static volatile RawMpj process;

    /** @return the calling rank's raw MPJ, or null outside an MPJ Express job */
    public static RawMpj current() {
        RawMpj r = RANK.get();
        return r != null ? r : process;
    }

    /** Multicore: the calling thread's rank (and the threads it starts). */
    static void bindThread(Mpj mpj, Object comm) {
        RANK.set(new RawMpj(mpj, comm));
    }

    /** Niodev: this process's rank. */
    static void bindProcess(Mpj mpj, Object comm) {
        process = new RawMpj(mpj, comm);
    }
}
