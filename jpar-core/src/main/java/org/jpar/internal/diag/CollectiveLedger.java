package org.jpar.internal.diag;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jpar.JparException;

/**
 * Strict mode's check that the ranks of one communicator call the same collectives in the same order, with the same
 * root and the same operator and array type (MPI leaves a mismatch undefined: a hang or wrong results). For engines
 * whose ranks share one JVM: one ledger per communicator group, shared by its ranks. The first rank to reach its
 * k-th collective writes it down; every other rank compares its own k-th call with it.
 */
public final class CollectiveLedger {
    private record Entry(String call, int rank, String site, AtomicInteger arrived) {
    }

    private final int size;
    private final long[] calls;
    private final ConcurrentHashMap<Long, Entry> open = new ConcurrentHashMap<>();

    /** @param size the ranks of the communicator */
    public CollectiveLedger(int size) {
        this.size = size;
        this.calls = new long[size];
    }

    /** @return a hook for rank {@code rank}'s collectives (one thread at a time per rank, as Communicator ensures) */
    public HookedCollectives.Hook hook(int rank) {
        return new HookedCollectives.Hook() {
            @Override
            public Object enter(String op, int root, String detail) {
                check(rank, op + "(" + (root >= 0 ? "root=" + root + (detail.isEmpty() ? "" : ", ") : "") + detail
                        + ")");
                return null;
            }

            @Override
            public void exit(Object token) {
                // nothing to undo
            }
        };
    }

    private void check(int rank, String call) {
        long k = calls[rank]++;
        String site = SendSites.here();
        Entry mine = new Entry(call, rank, site, new AtomicInteger());
        Entry e = open.putIfAbsent(k, mine);
        if (e == null) {
            e = mine;
        } else if (!e.call.equals(call)) {
            throw new JparException("strict mode: ranks call different collectives as their collective #" + (k + 1)
                    + " on this communicator: rank " + e.rank + " calls " + e.call + where(e.site) + ", rank " + rank
                    + " calls " + call + where(site) + "; every rank must call the same collectives in the same "
                    + "order, with the same root (MPI: otherwise a hang or wrong results)");
        }
        if (e.arrived.incrementAndGet() == size) {
            open.remove(k);
        }
    }

    private static String where(String site) {
        return site == null ? "" : " at " + site;
    }
}
