package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The launcher's hang decision from the ranks' state lines, on a clock of its own (seconds as nanos). */
class HangMonitorTest {
    private static final long S = 1_000_000_000L;

    @Test
    void everyRankStalledForTheTimeoutIsAHangWithItsCycle() {
        HangMonitor m = new HangMonitor(2, 5);
        assertThat(m.accept("jpar-hang-state 0 stalled 1000 r1:3:0 thread 'main' waits in receive(source=1, tag=3)",
                10 * S))
                .isTrue();
        assertThat(m.accept("jpar-hang-state 1 stalled 500 r0:3:0 thread 'main' waits in receive(source=0, tag=3)",
                11 * S))
                .isTrue();
        assertThat(m.check(14 * S)).isNull();
        assertThat(m.check(16 * S)).containsExactly(
                "no rank has made progress for 5 s: the job hangs (--hang-timeout 5)",
                "  rank 0: thread 'main' waits in receive(source=1, tag=3), stalled for 7 s",
                "  rank 1: thread 'main' waits in receive(source=0, tag=3), stalled for 5 s",
                "  cycle: rank 0 waits for rank 1, which waits for rank 0");
        assertThat(m.check(17 * S)).as("once per hang").isNull();
    }

    /** A program's own line that only starts like a state line is the program's: printed, not taken (it was lost). */
    @Test
    void aUserLineThatLooksLikeAStateLineIsNotTaken() {
        HangMonitor m = new HangMonitor(2, 5);
        assertThat(m.accept("jpar-hang-state is the name of my log category", 0)).isFalse();
        assertThat(m.accept("jpar-hang-state 0 running", 0)).isTrue();
    }

    @Test
    void aRankNotHeardFromOrRunningMeansNoHang() {
        HangMonitor m = new HangMonitor(3, 1);
        m.accept("jpar-hang-state 1 stalled 1000 r0:0:0 thread 'main' waits in receive(source=0, tag=0)", 0);
        m.accept("jpar-hang-state 2 stalled 1000 r0:0:0 thread 'main' waits in receive(source=0, tag=0)", 0);
        assertThat(m.check(60 * S)).as("rank 0 never stalled: it computes").isNull();
        m.accept("jpar-hang-state 0 running", 61 * S);
        assertThat(m.check(120 * S)).isNull();
    }

    @Test
    void aRankThatJustFinishedIsProgress() {
        HangMonitor m = new HangMonitor(2, 2);
        m.accept("jpar-hang-state 1 stalled 1000 r0:0:0 thread 'main' waits in receive(source=0, tag=0)", 0);
        m.accept("jpar-hang-state 0 finished", 10 * S);
        assertThat(m.check(11 * S)).as("rank 1 may be about to get rank 0's last message").isNull();
        m.accept("jpar-hang-state 1 finished", 11 * S);
        assertThat(m.check(20 * S)).isNull();
    }

    @Test
    void waitingForAFinishedRankIsNamed() {
        HangMonitor m = new HangMonitor(2, 2);
        m.accept("jpar-hang-state 0 finished", 0);
        m.accept("jpar-hang-state 1 stalled 1000 r0:0:0 thread 'main' waits in receive(source=0, tag=0)", S);
        assertThat(m.check(4 * S)).contains("  rank 0: finished (called Par.finish or ended)",
                "  rank 1 waits for rank 0, which has finished");
    }

    @Test
    void aSendWhoseReceiverWaitsInTheMatchingReceiveIsNoEdgeOfACycle() {
        // rank 0 is still in its send (e.g. encoding) while rank 1 already waits in the matching receive: neither
        // waits for the other, so no cycle is claimed (each rank is still reported with what it is in)
        HangMonitor m = new HangMonitor(2, 2);
        m.accept("jpar-hang-state 0 stalled 1000 s1:7:0 thread 'main' waits in send(dest=1, tag=7)", 0);
        m.accept("jpar-hang-state 1 stalled 1000 r0:-1:0 thread 'main' waits in receive(source=0, tag=ANY_TAG)", 0);
        assertThat(m.check(10 * S)).hasSize(3).noneMatch(l -> l.contains("cycle"));
        // on another communicator the receive is no match: a cycle
        m = new HangMonitor(2, 2);
        m.accept("jpar-hang-state 0 stalled 1000 s1:7:0 thread 'main' waits in send(dest=1, tag=7)", 0);
        m.accept("jpar-hang-state 1 stalled 1000 r0:7:5 thread 'main' waits in receive(source=0, tag=7)", 0);
        assertThat(m.check(10 * S)).contains("  cycle: rank 0 waits for rank 1, which waits for rank 0");
    }

    @Test
    void twoSendsToEachOtherAreACycle() {
        HangMonitor m = new HangMonitor(2, 2);
        m.accept("jpar-hang-state 0 stalled 1000 s1:0:0 thread 'main' waits in send(dest=1, tag=0)", 0);
        m.accept("jpar-hang-state 1 stalled 1000 s0:0:0 thread 'main' waits in send(dest=0, tag=0)", 0);
        assertThat(m.check(10 * S)).contains("  cycle: rank 0 waits for rank 1, which waits for rank 0");
    }

    @Test
    void otherLinesAreLeftAlone() {
        assertThat(new HangMonitor(1, 1).accept("jpar: rank 0 of 1 failed: boom", 0)).isFalse();
    }
}
