package org.jpar.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.engine.threads.ThreadsEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Strict mode of the embedded engine (issue 13): what it catches that the default mode lets pass. */
@Timeout(60)
class StrictModeTest {
    /** Every rank sends to its neighbour before receiving: fine when buffered, a hang on a cluster past the eager limit. */
    static void sendFirstExchange(Communicator c) {
        int other = (c.rank() + 1) % c.size();
        c.send(new byte[8], other, 5);
        c.receive((c.rank() - 1 + c.size()) % c.size(), 5);
    }

    @Test
    void theSendFirstExchangePassesByDefault() {
        ThreadsEngine.run(2, false, StrictModeTest::sendFirstExchange);
    }

    @Test
    void theSendFirstExchangeDeadlocksInStrictModeWithItsCycle() {
        assertThatThrownBy(() -> ThreadsEngine.run(2, true, StrictModeTest::sendFirstExchange))
                .isInstanceOf(JparException.class)
                .hasMessageStartingWith("deadlock: every rank is waiting")
                .hasMessageContaining("rank 0: waits in send(dest=1, tag=5) of 8 bytes at "
                        + "org.jpar.junit.StrictModeTest.sendFirstExchange(StrictModeTest.java:24)")
                .hasMessageContaining("strict mode: every send waits for its receive, as MPI_Ssend")
                .hasMessageContaining("cycle: rank 0 waits for rank 1, which waits for rank 0");
    }

    @Test
    void aRingOfThreeNamesItsCycle() {
        assertThatThrownBy(() -> ThreadsEngine.run(3, true, StrictModeTest::sendFirstExchange))
                .hasMessageContaining("cycle: rank 0 waits for rank 1, which waits for rank 2, which waits for rank 0");
    }

    @Test
    void theSafeExchangePassesInStrictMode() {
        ThreadsEngine.run(4, true, c -> {
            int right = (c.rank() + 1) % c.size();
            int left = (c.rank() - 1 + c.size()) % c.size();
            if (c.rank() % 2 == 0) {
                c.send(c.rank(), right, 1);
                assertThat(c.<Integer>receive(left, 1)).isEqualTo(left);
            } else {
                int got = c.receive(left, 1);
                c.send(c.rank(), right, 1);
                assertThat(got).isEqualTo(left);
            }
            var r = c.ireceive(left, 2);
            c.send("x", right, 2);
            Object got = r.await();
            assertThat(got).isEqualTo("x");
            c.send("self", c.rank(), 3); // to oneself: buffered on every engine
            assertThat(c.<String>receive(c.rank(), 3)).isEqualTo("self");
            c.barrier();
        });
    }

    @Test
    void aMessageNobodyReceivesIsReportedWithItsLine() {
        assertThatThrownBy(() -> ThreadsEngine.run(2, true, c -> {
            if (c.rank() == 0) {
                c.isend("lost", 1, 7);
            }
        })).hasMessageStartingWith("strict mode: the job ended with 1 message or receive left unmatched")
                .hasMessageContaining("rank 1: a message from rank 0 with tag 7 (a String, sent at "
                        + "org.jpar.junit.StrictModeTest.lambda$aMessageNobodyReceivesIsReportedWithItsLine$");
        ThreadsEngine.run(2, false, c -> {
            if (c.rank() == 0) {
                c.send("lost", 1, 7); // unnoticed by default
            }
        });
    }

    @Test
    void aReceiveNeverMatchedIsReported() {
        assertThatThrownBy(() -> ThreadsEngine.run(2, true, c -> {
            if (c.rank() == 1) {
                c.ireceive(0, 4);
            }
        })).hasMessageContaining("rank 1: ireceive(source=0, tag=4), posted and never matched by a message");
    }

    @Test
    void aReceiveOfTheWrongTypeNamesTheSendersLine() {
        assertThatThrownBy(() -> ThreadsEngine.run(2, true, c -> {
            if (c.rank() == 0) {
                c.send(new int[] {1, 2}, 1, 3);
            } else {
                c.receive(0, 3, String.class);
            }
        })).hasMessageStartingWith("receive(source=0, tag=3) expected java.lang.String but rank 0 sent int[] with tag 3 "
                + "(sent at org.jpar.junit.StrictModeTest.lambda$aReceiveOfTheWrongTypeNamesTheSendersLine$");
    }

    @Test
    void ranksCallingDifferentCollectivesAreReported() {
        assertThatThrownBy(() -> ThreadsEngine.run(2, true, c -> {
            c.barrier();
            if (c.rank() == 0) {
                c.barrier();
            } else {
                c.broadcast("x", 1);
            }
        })).hasMessageStartingWith("strict mode: ranks call different collectives as their collective #2 on this "
                + "communicator: rank ")
                .hasMessageContaining("calls barrier() at org.jpar.junit.StrictModeTest.lambda$")
                .hasMessageContaining("calls broadcast(root=1) at org.jpar.junit.StrictModeTest.lambda$");
    }

    @Test
    void ranksGivingDifferentRootsAreReported() {
        assertThatThrownBy(() -> ThreadsEngine.run(3, true, c -> c.broadcast("x", c.rank() == 2 ? 2 : 0)))
                .hasMessageContaining("calls broadcast(root=2)").hasMessageContaining("calls broadcast(root=0)");
    }

    @Test
    void aMismatchOnACommunicatorOfItsOwnIsReported() {
        assertThatThrownBy(() -> ThreadsEngine.run(3, true, c -> {
            var d = c.dup();
            d.barrier();
            d.gather("x", c.rank() == 2 ? 1 : 0);
        })).hasMessageContaining("as their collective #2 on this communicator")
                .hasMessageContaining("gather(root=1)").hasMessageContaining("gather(root=0)");
    }

    @Test
    void matchingCollectivesPassInStrictMode() {
        ThreadsEngine.run(3, true, c -> {
            for (int i = 0; i < 50; i++) {
                c.barrier();
                assertThat(c.<Integer>allreduce(1, Integer::sum)).isEqualTo(3);
                assertThat(c.broadcast(c.rank() == 1 ? "b" : null, 1)).isEqualTo("b");
            }
        });
    }

    @Test
    void theRanksAttributeTurnsItOn() {
        var events = EngineTestKit.engine("junit-jupiter")
                .selectors(selectMethod(Samples.class, "exchange", Communicator.class.getName())).execute()
                .testEvents();
        events.assertThatEvents().haveExactly(1, event(test("exchange"),
                finishedWithFailure(message(m -> m.contains("cycle: rank 0 waits for rank 1")))));
    }

    static class Samples {
        @Ranks(value = 2, strict = true)
        void exchange(Communicator c) {
            sendFirstExchange(c);
        }
    }
}
