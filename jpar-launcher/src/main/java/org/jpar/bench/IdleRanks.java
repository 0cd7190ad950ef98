package org.jpar.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * Heap per idle rank (threads engine): every rank but 0 blocks in a receive; rank 0 waits for them to settle, then
 * measures the heap in use after a full GC against the baseline the launcher measured before the ranks started
 * (argument 0, bytes), and releases them.
 */
public final class IdleRanks {
    private IdleRanks() {
    }

    /** @param args {@code baselineHeapBytes} */
    public static void main(String[] args) throws InterruptedException {
        long baseline = Long.parseLong(args[0]);
        Communicator c = Par.world();
        if (c.rank() == 0) {
            Thread.sleep(1500);
            long used = heapUsedAfterGc();
            long perRank = (used - baseline) / c.size();
            System.out.println(String.format(Locale.ROOT,
                    "jpar-%s idle ranks=%d heap_used_MiB=%.1f baseline_MiB=%.1f heap_per_idle_rank_KiB=%.1f",
                    c.engine(), c.size(), used / 1048576.0, baseline / 1048576.0, perRank / 1024.0));
            for (int r = 1; r < c.size(); r++) {
                c.send(Boolean.TRUE, r, 0);
            }
        } else {
            c.receive(0, 0);
        }
    }

    /** @return the heap in use after (repeated) full collections */
    public static long heapUsedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
