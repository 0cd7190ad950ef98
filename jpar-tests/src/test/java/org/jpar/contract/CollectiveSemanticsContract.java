package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jpar.Communicator;
import org.jpar.JparException;

/**
 * What collectives promise beyond their results, on every engine: a caller's input is never changed behind its back
 * (MPI's send buffer is never modified), and two threads of one rank in collectives on the same communicator at the
 * same time are refused with a clear error instead of mixing their messages; point-to-point stays free for any thread.
 */
public class CollectiveSemanticsContract {
    private static final long WAIT_SECONDS = 60;

    /** Adds the second array into the first and returns the first: the operator of the bug report. */
    private static final BinaryOperator<double[]> ADD_INTO_FIRST = (x, y) -> {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
        return x;
    };

    /** Adds the first array into the second and returns the second. */
    private static final BinaryOperator<double[]> ADD_INTO_SECOND = (x, y) -> {
        for (int i = 0; i < x.length; i++) {
            y[i] += x[i];
        }
        return y;
    };

    @Contract
    public void reductionsNeverChangeTheCallersInput(Communicator c) {
        int n = c.size();
        double[] mine = {c.rank() + 1, 10.0 * (c.rank() + 1)};
        double[] expected = {n * (n + 1) / 2.0, 10.0 * n * (n + 1) / 2.0};

        double[] all = c.allreduce(mine, ADD_INTO_FIRST);
        assertThat(mine).as("allreduce's input on rank " + c.rank()).containsExactly(c.rank() + 1, 10.0 * (c.rank() + 1));
        assertThat(all).containsExactly(expected);
        assertThat(all).as("the result is not the caller's own array").isNotSameAs(mine);

        for (int root : new int[] {0, n - 1}) {
            for (BinaryOperator<double[]> op : List.of(ADD_INTO_FIRST, ADD_INTO_SECOND)) {
                double[] sum = c.reduce(mine, op, root);
                assertThat(mine).as("reduce's input on rank " + c.rank() + " (root " + root + ")")
                        .containsExactly(c.rank() + 1, 10.0 * (c.rank() + 1));
                if (c.rank() == root) {
                    assertThat(sum).containsExactly(expected).isNotSameAs(mine);
                } else {
                    assertThat(sum).isNull();
                }
            }
        }

        // objects too: an operator that appends into its first argument leaves every caller's list alone
        List<Integer> list = new ArrayList<>(List.of(c.rank()));
        List<Integer> joined = c.allreduce(list, (x, y) -> {
            x.addAll(y);
            return x;
        });
        assertThat(list).containsExactly(c.rank());
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ranks.add(r);
        }
        assertThat(joined).isEqualTo(ranks).isNotSameAs(list);
    }

    @Contract
    public void collectivesFromSeveralThreadsOneAfterAnotherWork(Communicator c) throws Exception {
        for (int round = 0; round < 3; round++) {
            int r = round;
            AtomicReference<Object> got = new AtomicReference<>();
            Thread t = new Thread(() -> got.set(c.allreduce(c.rank() + r, Integer::sum)), "turn-" + round);
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertThat(t.isAlive()).as("allreduce from a thread of rank " + c.rank() + " ended").isFalse();
            int n = c.size();
            assertThat(got.get()).isEqualTo(n * (n - 1) / 2 + n * r);
        }
    }

    @Contract
    public void aSecondThreadInACollectiveOnTheSameCommunicatorIsRefused(Communicator c) throws Exception {
        int n = c.size();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // at the root, scatter reads its values inside the collective: this list holds the thread in there
        List<Integer> holding = new AbstractList<>() {
            @Override
            public Integer get(int i) {
                inside.countDown();
                try {
                    release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 10 * i;
            }

            @Override
            public int size() {
                return n;
            }
        };
        AtomicReference<Object> scattered = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread first = new Thread(() -> {
            try {
                scattered.set(c.scatter(c.rank() == 0 ? holding : null, 0));
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "first-collective");
        first.start();
        try {
            if (c.rank() == 0) {
                assertThat(inside.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("scatter started").isTrue();
                String prefix = "Communicator[rank 0 of " + n;
                List<String> ops = List.of("broadcast", "barrier", "allreduce", "reduce", "gather", "allgather",
                        "scatter");
                List<ThrowingCallable> calls = List.of(() -> c.broadcast("intruder", 0), c::barrier,
                        () -> c.allreduce(1, Integer::sum), () -> c.reduce(1, Integer::sum, 0), () -> c.gather(1, 0),
                        () -> c.allgather(1), () -> c.scatter(List.of(), 0));
                for (int i = 0; i < ops.size(); i++) {
                    assertThatThrownBy(calls.get(i)).as(ops.get(i) + " while another thread is in scatter")
                            .isInstanceOf(JparException.class)
                            .hasMessageStartingWith(ops.get(i) + ": another thread of rank 0 (first-collective) is in"
                                    + " scatter on " + prefix)
                            .hasMessageContaining("from one thread of each rank")
                            .hasMessageContaining("dup()");
                }
                // point-to-point from any thread stays allowed while the collective runs
                c.send("to myself", 0, 5);
                assertThat(c.<String>receive(0, 5)).isEqualTo("to myself");
                for (int r = 1; r < n; r++) {
                    c.send("go", r, 6);
                }
            } else {
                assertThat(c.<String>receive(0, 6)).isEqualTo("go");
            }
        } finally {
            release.countDown();
        }
        first.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(first.isAlive()).as("the first collective ended").isFalse();
        assertThat(failed.get()).as("the first collective").isNull();
        assertThat(scattered.get()).isEqualTo(10 * c.rank());
        // once it is over, any thread may run the next one
        assertThat(c.allreduce(1, Integer::sum)).isEqualTo(n);
    }
}
