package org.jpar.internal.diag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The cycle line of the deadlock and hang reports. */
class WaitForTest {
    @Test
    void aShortCycleNamesEveryRank() {
        assertThat(WaitFor.describe(List.of(0, 1))).isEqualTo("rank 0 waits for rank 1, which waits for rank 0");
        assertThat(WaitFor.describe(List.of(3))).isEqualTo("rank 3 waits for itself");
    }

    /** A chain of 100,000 waiting ranks: the walk is iterative (a recursive one overflowed the stack at 4096). */
    @Test
    void aLongChainIsWalkedWithoutDeepRecursion() {
        int n = 100_000;
        Map<Integer, Set<Integer>> edges = new HashMap<>();
        for (int r = 0; r < n - 1; r++) {
            edges.put(r, Set.of(r + 1));
        }
        assertThat(WaitFor.cycle(edges)).isEmpty();
        edges.put(n - 1, Set.of(0));
        List<Integer> cycle = WaitFor.cycle(edges);
        assertThat(cycle).hasSize(n).startsWith(0, 1, 2).endsWith(n - 1);
        edges.put(n - 1, Set.of(n - 3)); // a cycle that does not start where the walk does: from its smallest rank
        assertThat(WaitFor.cycle(edges)).containsExactly(n - 3, n - 2, n - 1);
        assertThat(WaitFor.cycle(Map.of(7, Set.of(7)))).containsExactly(7);
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
