package org.jpar.spi;

/**
 * Collective operations built from point-to-point messages on internal tags, for engines without native ones.
 */
public final class Collectives {
    /** Internal tags, one per collective, so concurrent kinds never match each other. */
    public static final int TAG_BARRIER = Transport.INTERNAL_TAG_BASE;
    public static final int TAG_BROADCAST = Transport.INTERNAL_TAG_BASE - 1;
    public static final int TAG_GATHER = Transport.INTERNAL_TAG_BASE - 2;
    public static final int TAG_SCATTER = Transport.INTERNAL_TAG_BASE - 3;
    public static final int TAG_REDUCE = Transport.INTERNAL_TAG_BASE - 4;

    private static final Object TOKEN = Boolean.TRUE;

    private Collectives() {
    }

    /** Dissemination barrier: ceil(log2 n) rounds of one send and one receive. */
    public static void barrier(Transport t) {
        int n = t.size();
        int me = t.rank();
        for (int step = 1; step < n; step <<= 1) {
            t.send(TOKEN, (me + step) % n, TAG_BARRIER);
            t.receive((me - step + n) % n, TAG_BARRIER, null);
        }
    }

    /** Binomial-tree broadcast rooted at {@code root}. */
    public static Object broadcast(Transport t, Object message, int root) {
        int n = t.size();
        int rel = (t.rank() - root + n) % n;
        Object value = message;
        int mask = 1;
        while (mask < n) {
            if ((rel & mask) != 0) {
                value = t.receive((rel - mask + root) % n, TAG_BROADCAST, null).value();
                break;
            }
            mask <<= 1;
        }
        mask >>= 1;
        while (mask > 0) {
            if (rel + mask < n) {
                t.send(value, (rel + mask + root) % n, TAG_BROADCAST);
            }
            mask >>= 1;
        }
        return value;
    }
}
