package org.jpar.engine;

import java.lang.reflect.Method;
import java.util.List;

import org.jpar.contract.ContractSuite;
import org.jpar.engine.threads.ThreadsEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/** The contract on the embedded engine with each rank a virtual thread ({@code -Djpar.threads.ranks=virtual}). */
class ThreadsVirtualContractTest extends ContractSuite {
    private static final String RANKS = "jpar.threads.ranks";

    @BeforeAll
    static void jdk24() {
        Assumptions.assumeTrue(Runtime.version().feature() >= 24, "virtual-thread ranks need JDK 24+");
    }

    @Override
    protected void run(int size, List<Method> methods) {
        virtual(() -> ThreadsEngine.run(size, world -> {
            for (Method m : methods) {
                invoke(m, world);
                world.barrier();
            }
        }));
    }

    /** 1024 ranks, each a virtual thread: a ring of sends, then allreduce, broadcast and split agree at every rank. */
    @org.junit.jupiter.api.Test
    void aThousandAndTwentyFourRanksTalkAndReduce() {
        int size = 1024;
        java.util.concurrent.atomic.AtomicInteger checked = new java.util.concurrent.atomic.AtomicInteger();
        virtual(() -> ThreadsEngine.run(size, world -> {
            int r = world.rank();
            world.send(r, (r + 1) % size);
            int from = world.receive((r + size - 1) % size);
            double[] x = {r, 1};
            world.allreduce(org.jpar.Par.IN_PLACE, x, org.jpar.Op.SUM);
            int[] b = {r == 7 ? 42 : 0};
            world.broadcastInto(b, 7);
            org.jpar.Communicator half = world.split(r % 2, r);
            if (from != (r + size - 1) % size || x[0] != size * (size - 1) / 2.0 || x[1] != size || b[0] != 42
                    || half.size() != size / 2 || half.rank() != r / 2) {
                throw new AssertionError("rank " + r + ": from " + from + ", sums " + x[0] + " " + x[1] + ", bcast "
                        + b[0] + ", half " + half.rank() + "/" + half.size());
            }
            half.close();
            if (isVirtual(Thread.currentThread())) {
                checked.incrementAndGet();
            }
        }));
        org.assertj.core.api.Assertions.assertThat(checked.get()).isEqualTo(size);
    }

    /** @return {@code t.isVirtual()} (JDK 21+; this module compiles for 17) */
    static boolean isVirtual(Thread t) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code job} with {@code jpar.threads.ranks} set to virtual. */
    static void virtual(Runnable job) {
        String before = System.getProperty(RANKS);
        System.setProperty(RANKS, "virtual");
        try {
            job.run();
        } finally {
            if (before == null) {
                System.clearProperty(RANKS);
            } else {
                System.setProperty(RANKS, before);
            }
        }
    }
}
