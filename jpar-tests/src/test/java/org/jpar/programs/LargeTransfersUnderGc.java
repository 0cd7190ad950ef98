package org.jpar.programs;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * Large blocking exchanges between rank pairs (0-1, 2-3, ...) from two threads per rank at once, crossing (in each
 * pair one thread sends while the other receives), while a third thread makes garbage: the native engine receives
 * these messages straight into Java arrays in critical calls, which must neither deadlock with the collector nor lose
 * a byte. Prints {@code large transfers ok: ROUNDS rounds per thread, GC ran} on rank 0.
 *
 * <p>Arguments: {@code [rounds]} (default 60).
 */
public final class LargeTransfersUnderGc {
    private LargeTransfersUnderGc() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Communicator c = Par.world();
        int me = c.rank();
        int peer = me ^ 1;
        AtomicBoolean done = new AtomicBoolean();
        Thread garbage = new Thread(() -> {
            List<byte[]> keep = new ArrayList<>();
            long sink = 0;
            while (!done.get()) {
                byte[] b = new byte[64 * 1024];
                keep.add(b);
                if (keep.size() > 200) {
                    keep.clear();
                }
                sink += b.length;
            }
            if (sink == 42) {
                System.out.println();
            }
        }, "garbage");
        garbage.setDaemon(true);
        long gcBefore = gcCount();
        garbage.start();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 2; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                try {
                    exchange(c, me, peer, thread, rounds);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "exchange-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        done.set(true);
        if (!failures.isEmpty()) {
            throw new IllegalStateException("rank " + me + ": an exchange failed", failures.get(0));
        }
        boolean gcRan = gcCount() > gcBefore;
        c.barrier();
        List<Boolean> all = c.gather(gcRan, 0);
        if (me == 0) {
            System.out.println("large transfers ok: " + rounds + " rounds per thread, GC "
                    + (all.contains(Boolean.TRUE) ? "ran" : "did not run"));
        }
        Par.finish();
    }

    private static void exchange(Communicator c, int me, int peer, int thread, int rounds) {
        if (peer >= c.size()) {
            return;
        }
        boolean sendFirst = (me + thread) % 2 == 0;
        for (int r = 0; r < rounds; r++) {
            int n = 20_000 + (r * 37_813) % 400_000; // 160 KB .. 3.4 MB of doubles
            double[] mine = new double[n];
            for (int i = 0; i < n; i += 101) {
                mine[i] = me * 1e9 + r * 1e3 + i;
            }
            mine[n - 1] = me + r;
            double[] got;
            if (sendFirst) {
                c.send(mine, peer, thread);
                got = c.receive(peer, thread, double[].class);
            } else {
                got = c.receive(peer, thread, double[].class);
                c.send(mine, peer, thread);
            }
            if (got.length != n || got[n - 1] != peer + r) {
                throw new IllegalStateException("round " + r + " thread " + thread + ": got " + got.length
                        + " doubles ending " + got[got.length - 1]);
            }
            for (int i = 0; i < n - 1; i += 101) {
                if (got[i] != peer * 1e9 + r * 1e3 + i) {
                    throw new IllegalStateException("round " + r + " thread " + thread + ": element " + i + " is "
                            + got[i]);
                }
            }
        }
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
        }
        return n;
    }
}
