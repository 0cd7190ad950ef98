package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;

import org.jpar.Communicator;

/**
 * Collectives on objects, on every engine and at every size: every root, results in rank order, user operators
 * applied in rank order (string concatenation is not commutative) on copies only (an operator that appends into its
 * argument changes no caller's value), alltoall, scan and exscan.
 */
public class ObjectCollectivesContract {
    /** Appends the second list to the first and returns the first: mutates, and is not commutative. */
    private static final BinaryOperator<List<Integer>> APPEND = (x, y) -> {
        x.addAll(y);
        return x;
    };

    private static String ranksUpTo(int end) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < end; r++) {
            sb.append(r).append(',');
        }
        return sb.toString();
    }

    private static List<Integer> listUpTo(int end) {
        List<Integer> l = new ArrayList<>();
        for (int r = 0; r < end; r++) {
            l.add(r);
        }
        return l;
    }

    @Contract
    public void rootedCollectivesWorkFromEveryRoot(Communicator c) {
        int n = c.size();
        int me = c.rank();
        for (int root = 0; root < n; root++) {
            List<Integer> payload = List.of(root, 7);
            assertThat(c.<Object>broadcast(me == root ? new ArrayList<>(payload) : null, root))
                    .as("broadcast from " + root).isEqualTo(payload);
            List<String> gathered = c.gather("r" + me, root);
            if (me == root) {
                List<String> want = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    want.add("r" + r);
                }
                assertThat(gathered).as("gather at " + root).isEqualTo(want);
            } else {
                assertThat(gathered).isNull();
            }
            List<int[]> parts = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                parts.add(new int[] {r, root});
            }
            assertThat(c.<int[]>scatter(me == root ? parts : null, root)).as("scatter from " + root)
                    .containsExactly(me, root);
            String concat = c.reduce(me + ",", String::concat, root);
            assertThat(concat).as("reduce (concatenation, rank order) at " + root)
                    .isEqualTo(me == root ? ranksUpTo(n) : null);
            List<Integer> mine = new ArrayList<>(List.of(me));
            List<Integer> joined = c.reduce(mine, APPEND, root);
            assertThat(mine).as("reduce's input").containsExactly(me);
            assertThat(joined).isEqualTo(me == root ? listUpTo(n) : null);
        }
        assertThat(c.allgather(me * 10)).isEqualTo(listUpTo(n).stream().map(r -> r * 10).toList());
        assertThat(c.<String>allreduce(me + ",", String::concat)).isEqualTo(ranksUpTo(n));
    }

    @Contract
    public void scanAndExscanApplyTheOperatorInRankOrderOnCopies(Communicator c) {
        int me = c.rank();
        assertThat(c.<String>scan(me + ",", String::concat)).isEqualTo(ranksUpTo(me + 1));
        assertThat(c.<String>exscan(me + ",", String::concat)).isEqualTo(me == 0 ? null : ranksUpTo(me));
        List<Integer> mine = new ArrayList<>(List.of(me));
        List<Integer> prefix = c.scan(mine, APPEND);
        assertThat(prefix).isEqualTo(listUpTo(me + 1)).isNotSameAs(mine);
        List<Integer> before = c.exscan(mine, APPEND);
        assertThat(before).isEqualTo(me == 0 ? null : listUpTo(me));
        assertThat(mine).as("scan's input").containsExactly(me);
        assertThat(c.<Long>scan((long) me, Long::sum)).isEqualTo((long) me * (me + 1) / 2);
    }

    @Contract
    public void alltoallSendsOneValuePerRank(Communicator c) {
        int n = c.size();
        int me = c.rank();
        List<Object> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            out.add(d % 2 == 0 ? (Object) ("from " + me + " to " + d) : (Object) new double[] {me, d});
        }
        List<Object> in = c.alltoall(out);
        assertThat(in).hasSize(n);
        for (int s = 0; s < n; s++) {
            if (me % 2 == 0) {
                assertThat(in.get(s)).isEqualTo("from " + s + " to " + me);
            } else {
                assertThat((double[]) in.get(s)).containsExactly(s, me);
            }
        }
        List<Integer> nulls = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            nulls.add(null);
        }
        assertThat(c.alltoall(nulls)).containsOnlyNulls().hasSize(n);
    }
}
