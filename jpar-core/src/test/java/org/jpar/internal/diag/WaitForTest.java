package org.jpar.internal.diag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The cycle line of the deadlock and hang reports. */
class WaitForTest {
    @Test
    void aShortCycleNamesEveryRank() {
        assertThat(WaitFor.describe(List.of(0, 1))).isEqualTo("rank 0 waits for rank 1, which waits for rank 0");
        assertThat(WaitFor.describe(List.of(3))).isEqualTo("rank 3 waits for itself");
    }

    @Test
    void aLongCycleShowsItsEndsAndHowManyItLeavesOut() {
        List<Integer> cycle = new ArrayList<>();
        for (int r = 0; r < 4096; r++) {
            cycle.add(r);
        }
        assertThat(WaitFor.describe(cycle)).isEqualTo("rank 0 waits for rank 1, which waits for rank 2, which waits "
                + "for rank 3, which waits for rank 4, ... (4088 ranks more) ..., which waits for rank 4093, which "
                + "waits for rank 4094, which waits for rank 4095, which waits for rank 0 (a cycle of 4096 ranks)");
    }
}
