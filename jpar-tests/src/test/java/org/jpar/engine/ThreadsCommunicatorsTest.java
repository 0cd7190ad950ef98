package org.jpar.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.engine.threads.ThreadsEngine;
import org.junit.jupiter.api.Test;

/** The embedded engine's own side of probes and sub-communicators: its deadlock watchdog and its failure path. */
class ThreadsCommunicatorsTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void aBlockingProbeThatNoMessageCanEndIsReportedAsADeadlock() {
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> ThreadsEngine.run(2, c ->
                c.probe(1 - c.rank(), 5)))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("deadlock: every rank is waiting for a message that no rank can send")
                .hasMessageContaining("rank 0: waits in probe(source=1, tag=5)")
                .hasMessageContaining("rank 1: waits in probe(source=0, tag=5)"));
    }

    @Test
    void aDeadlockInsideASplitCommunicatorNamesIt() {
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> ThreadsEngine.run(4, c -> {
            Communicator pair = c.split(c.rank() / 2, -c.rank());
            pair.receive(Par.ANY_SOURCE, 9);
        }))
                .isInstanceOf(JparException.class)
                .hasMessageContaining("deadlock")
                .hasMessageMatching("(?s).*rank 0: waits in receive\\(source=ANY_SOURCE, tag=9\\) on communicator "
                        + "#\\d+ \\(rank 1 of 2 there\\).*"));
    }

    @Test
    void aFailureStopsAThreadWaitingInASubCommunicator() throws Exception {
        AtomicReference<Thread> waiter = new AtomicReference<>();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> ThreadsEngine.run(2, c -> {
            Communicator d = c.dup();
            if (c.rank() == 0) {
                Thread t = new Thread(() -> {
                    try {
                        d.receive(1, 3);
                    } catch (Throwable e) {
                        ended.set(e);
                    }
                }, "waits-in-dup");
                t.setDaemon(true);
                waiter.set(t);
                t.start();
                t.join(); // only the failure of rank 1 ends this
            } else {
                Thread.sleep(300);
                throw new IllegalStateException("boom in rank 1");
            }
        })).hasMessage("boom in rank 1"));
        waiter.get().join(BOUND.toMillis());
        assertThat(waiter.get().isAlive()).as("the thread waiting in the dup was woken by the failure").isFalse();
        assertThat(ended.get()).isInstanceOf(JparException.class).hasMessageContaining("rank 1 failed");
    }

    @Test
    void abortEndsTheJobWithTheRankAndCode() {
        assertTimeoutPreemptively(BOUND, () -> assertThatThrownBy(() -> ThreadsEngine.run(3, c -> {
            if (c.rank() == 2) {
                c.abort(5);
            }
            c.receive(2, 0);
        })).isInstanceOf(JparException.class).hasMessage("rank 2 called abort(5)"));
    }

    @Test
    void splitAndCartesianAtSixtyFourRanks() {
        assertTimeoutPreemptively(BOUND, () -> ThreadsEngine.run(64, c -> {
            try (Communicator row = c.split(c.rank() / 8, c.rank());
                 var grid = c.cartesian(Par.dims(64, 3), new boolean[] {true, true, true})) {
                assertThat(row.size()).isEqualTo(8);
                assertThat(row.allreduce(c.rank(), Integer::sum)).isEqualTo(8 * (c.rank() / 8 * 8) + 28);
                assertThat(grid.dims()).containsExactly(4, 4, 4);
                var s = grid.shift(2, 1);
                Integer got = grid.communicator().sendrecv(c.rank(), s.dest(), 0, s.source(), 0);
                assertThat(got).isEqualTo(s.source());
            }
        }));
    }
}
