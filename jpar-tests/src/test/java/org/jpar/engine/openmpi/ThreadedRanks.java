package org.jpar.engine.openmpi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.jpar.Communicator;
import org.jpar.Par;
import org.jpar.Request;

/**
 * Four threads per rank talk to the same threads of the neighbour ranks at once, each on its own tag: small arrays,
 * strings, and arrays large enough to travel in two parts. Every rank prints {@code rank R threads ok}.
 */
public final class ThreadedRanks {
    private static final int THREADS = 4;
    private static final int ROUNDS = 150;

    private ThreadedRanks() {
    }

    public static void main(String[] args) throws Exception {
        Communicator c = Par.world();
        int right = (c.rank() + 1) % c.size();
        int left = (c.rank() - 1 + c.size()) % c.size();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int tag = t;
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < ROUNDS; i++) {
                        Request<Void> sent = c.isend(message(c.rank(), tag, i), right, tag);
                        Object got = c.receive(left, tag);
                        sent.await();
                        check(got, message(left, tag, i));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "talker-" + t);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a talking thread failed: " + failure.get(), failure.get());
        }
        c.barrier();
        System.out.println("rank " + c.rank() + " threads ok");
        Par.finish();
    }

    private static Object message(int rank, int tag, int i) {
        switch (i % 3) {
            case 0:
                return new int[] {rank, tag, i};
            case 1:
                return "rank " + rank + " tag " + tag + " round " + i;
            default:
                double[] big = new double[30_000]; // 240 KB: a head and a rest
                big[0] = rank;
                big[big.length - 1] = tag * 1000 + i;
                return big;
        }
    }

    private static void check(Object got, Object expected) {
        boolean ok;
        if (expected instanceof int[] e) {
            ok = java.util.Arrays.equals((int[]) got, e);
        } else if (expected instanceof double[] e) {
            ok = java.util.Arrays.equals((double[]) got, e);
        } else {
            ok = expected.equals(got);
        }
        if (!ok) {
            throw new AssertionError("got " + describe(got) + ", expected " + describe(expected));
        }
    }

    private static String describe(Object o) {
        if (o instanceof int[] a) {
            return java.util.Arrays.toString(a);
        }
        if (o instanceof double[] a) {
            return "double[" + a.length + "] " + a[0] + ".." + a[a.length - 1];
        }
        return String.valueOf(o);
    }
}
