package org.jpar.engine.mpj;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Multicore device: where the ranks of one communicator tell each other, in shared memory (the ranks are threads of
 * one JVM), the tag of their blocks of each all-to-all ({@link MpjTransport#blockTag}, or -1). Two ranks whose tags
 * are equal exchange their blocks with no header (the receive, posted early, takes only a block with that tag); any
 * other pair sends headers as every point-to-point message does. Ranks are at most one all-to-all apart (a rank leaves
 * one only with every rank's block of it), so four slots per rank, by call number, are never overwritten while read.
 */
final class BlockBoard {
    /** What {@link #tag} returns for a rank that has not reached that all-to-all yet. */
    static final long NOT_YET = Long.MIN_VALUE;
    private static final int CALLS = 4;

    private final int size;
    /** By {@code (call % 4) * size + rank}: {@code call << 32 | tag}. */
    private final AtomicLongArray slots;
    /** The boards of the groups split from this one, until every member took its board. */
    private final ConcurrentHashMap<Long, BlockBoard> children = new ConcurrentHashMap<>();
    private final AtomicInteger taken = new AtomicInteger();

    BlockBoard(int size) {
        this.size = size;
        this.slots = new AtomicLongArray(CALLS * size);
        for (int i = 0; i < CALLS * size; i++) {
            slots.set(i, NOT_YET); // call number Integer.MIN_VALUE: none
        }
    }

    /** {@code rank} is in all-to-all number {@code call} (counted on this communicator) with blocks of {@code tag}. */
    void publish(int call, int rank, int tag) {
        slots.setRelease((call & (CALLS - 1)) * size + rank, (long) call << 32 | (tag & 0xffffffffL));
    }

    /** @return the tag {@code rank} published for all-to-all number {@code call}, or {@link #NOT_YET} */
    long tag(int call, int rank) {
        long v = slots.getAcquire((call & (CALLS - 1)) * size + rank);
        return (int) (v >>> 32) == call ? (int) v : NOT_YET;
    }

    /**
     * @return the board of the group of {@code members} ranks with colour {@code color} of split number {@code split}
     *         of this communicator: the same object at each of its members (each member calls this once)
     */
    BlockBoard child(int split, int color, int members) {
        Long key = (long) split << 32 | (color & 0xffffffffL);
        BlockBoard b = children.computeIfAbsent(key, k -> new BlockBoard(members));
        if (b.taken.incrementAndGet() == members) {
            children.remove(key, b);
        }
        return b;
    }
}
