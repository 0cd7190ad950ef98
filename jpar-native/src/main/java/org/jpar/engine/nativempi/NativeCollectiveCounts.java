package org.jpar.engine.nativempi;

import java.util.List;

/**
 * How many of one communicator's collectives went to the MPI library's own call and how many took jpar's
 * point-to-point algorithm instead, by kind: what the native engine's collectives
 * ({@code transport().collectives()}) report, for tests and diagnostics. Counts are this rank's; the calling thread
 * should be the one that runs the collectives (plain counters, not synchronized). Public for tests; not user API.
 */
public interface NativeCollectiveCounts {
    /** The kinds counted, in a fixed order. */
    List<String> KINDS = List.of("barrier", "broadcastInto", "reduce", "allreduce", "scan", "exscan",
            "reduceScatter", "gatherv", "allgatherv", "scatterv", "alltoall");

    /**
     * @param kind one of {@link #KINDS}
     * @return the calls of {@code kind} that were one call of the MPI library's own collective
     * @throws IllegalArgumentException for another kind
     */
    long nativeCalls(String kind);

    /**
     * @param kind one of {@link #KINDS}
     * @return the calls of {@code kind} that took jpar's point-to-point algorithm (where MPI cannot do it)
     * @throws IllegalArgumentException for another kind
     */
    long fallbacks(String kind);
}
