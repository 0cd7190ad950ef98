package org.jpar.programs;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;

/**
 * split and dup on an engine that implements them: even and odd ranks in two groups ordered by descending rank, a
 * sum and a message in each, a rank with {@code Par.UNDEFINED} in none, a dup whose messages never mix with the
 * original's; then every new communicator closed. Rank 0 prints {@code split ok on N ranks}.
 */
public final class SplitCheck {
    private SplitCheck() {
    }

    public static void main(String[] args) {
        Communicator world = Par.world();
        int me = world.rank();
        int n = world.size();
        try (Communicator half = world.split(me % 2, -me)) {
            int expectedSize = (n + (me % 2 == 0 ? 1 : 0)) / 2;
            check(half.size() == expectedSize, "size " + half.size() + " != " + expectedSize);
            int[] sum = half.allreduce(new int[] {me}, Op.SUM);
            int expected = 0;
            for (int r = me % 2; r < n; r += 2) {
                expected += r;
            }
            check(sum[0] == expected, "sum " + sum[0] + " != " + expected);
            // descending keys: the highest world rank is rank 0 of its half
            int highest = me % 2 == 0 ? (n - 1) / 2 * 2 : (n % 2 == 0 ? n - 1 : n - 2);
            check((half.rank() == 0) == (me == highest), "rank " + half.rank() + " for world rank " + me);
            if (half.size() > 1) {
                int next = (half.rank() + 1) % half.size();
                int prev = (half.rank() - 1 + half.size()) % half.size();
                half.send("from " + me, next, 7);
                String got = half.receive(prev, 7);
                check(got.startsWith("from "), got);
            }
        }
        Communicator none = world.split(me == 0 ? Par.UNDEFINED : 1, 0);
        check((none == null) == (me == 0), "UNDEFINED gave " + none);
        if (none != null) {
            check(none.size() == n - 1, "size without rank 0: " + none.size());
            none.close();
        }
        try (Communicator copy = world.dup()) {
            if (n > 1) {
                int peer = me ^ 1;
                if (peer < n) {
                    copy.send("copy", peer, 1);
                    world.send("world", peer, 1);
                    check(world.receive(peer, 1).equals("world"), "the world got the dup's message");
                    check(copy.receive(peer, 1).equals("copy"), "the dup got the world's message");
                }
            }
            copy.barrier();
        }
        world.barrier();
        if (me == 0) {
            System.out.println("split ok on " + n + " ranks");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("rank " + Par.rank() + ": " + what);
        }
    }
}
