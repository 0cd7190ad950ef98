package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jpar.Cartesian;
import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;

/**
 * Issue 10's point-to-point, request and communicator surface, on every engine at every size: sendrecv, probe and
 * iprobe, waitAll/waitAny/testAll/testAny, PROC_NULL, split, dup, Par.self(), Cartesian grids, threads inside ranks.
 */
public class CommunicatorContract {
    /** A user record, to probe an object message's type. */
    public record Point(int x, int y) {
    }

    /** A user record that encodes to more than one message of the MPI engines (64 KiB). */
    public record Blob(int id, double[] data) {
    }

    private static int right(Communicator c) {
        return (c.rank() + 1) % c.size();
    }

    private static int left(Communicator c) {
        return (c.rank() - 1 + c.size()) % c.size();
    }

    /** Every rank sends right and receives from the left at once: large arrays too, without deadlock. */
    @Contract
    public void sendrecvExchangesAroundARingAtEverySize(Communicator c) {
        for (int n : new int[] {1, 1000, 300_000}) {
            double[] mine = new double[n];
            Arrays.fill(mine, c.rank());
            double[] got = c.sendrecv(mine, right(c), 4, left(c), 4);
            assertThat(got).hasSize(n).containsOnly((double) left(c));
            double[] buffer = new double[n + 3];
            Envelope<Object> e = c.sendrecvInto(mine, right(c), 5, buffer, Par.ANY_SOURCE, 5);
            assertThat(e.source()).isEqualTo(left(c));
            assertThat(e.tag()).isEqualTo(5);
            assertThat(e.count()).isEqualTo(n);
            assertThat(buffer[n - 1]).isEqualTo(left(c));
        }
        String s = c.sendrecv("from " + c.rank(), right(c), 6, left(c), Par.ANY_TAG);
        assertThat(s).isEqualTo("from " + left(c));
    }

    /** A probe tells source, tag, size and type without receiving; the following receive gets that message. */
    @Contract
    public void probeDescribesTheMessageTheNextReceiveGets(Communicator c) {
        c.send(new Point(c.rank(), 7), right(c), 12);
        c.send(null, right(c), 13);
        c.send(new double[10 + c.rank()], right(c), 11);
        c.send(new int[] {c.rank()}, right(c), 14);
        Envelope<Void> e = c.probe(left(c), 11);
        assertThat(e.value()).isNull();
        assertThat(e.source()).isEqualTo(left(c));
        assertThat(e.tag()).isEqualTo(11);
        assertThat(e.type()).isEqualTo("double[]");
        assertThat(e.count()).isEqualTo(10 + left(c));
        assertThat(e.bytes()).isEqualTo(8L * (10 + left(c)));
        Envelope<Object> got = c.receiveInto(new double[e.count()], e.source(), e.tag());
        assertThat(got.count()).isEqualTo(e.count());

        Envelope<Void> any = c.probe(Par.ANY_SOURCE, 12); // probing twice changes nothing
        assertThat(c.probe(Par.ANY_SOURCE, 12)).isEqualTo(any);
        assertThat(any.type()).isEqualTo(Point.class.getName());
        assertThat(any.count()).isEqualTo(-1);
        assertThat(c.<Point>receive(any.source(), any.tag())).isEqualTo(new Point(left(c), 7));

        Envelope<Void> nothing = c.probe(left(c), 13);
        assertThat(nothing.type()).isEqualTo("null");
        assertThat(c.<Object>receive(left(c), 13)).isNull();

        Envelope<Void> ints = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ints == null && System.nanoTime() < deadline) {
            ints = c.iprobe(Par.ANY_SOURCE, Par.ANY_TAG);
        }
        assertThat(ints).as("iprobe found the message already sent within 30 s").isNotNull();
        assertThat(ints.tag()).isEqualTo(14);
        assertThat(ints.type()).isEqualTo("int[]");
        assertThat(c.<int[]>receive(ints.source(), ints.tag())).containsExactly(left(c));
        c.barrier();
        assertThat(c.iprobe(Par.ANY_SOURCE, Par.ANY_TAG)).as("nothing left to probe").isNull();
    }

    /** Probes of messages larger than one message of the MPI engines: the size and type are the whole message's. */
    @Contract
    public void probeOfLargeMessages(Communicator c) {
        double[] big = new double[100_000 + c.rank()];
        big[big.length - 1] = c.rank();
        Request<Void> a = c.isend(big, right(c), 15);
        Request<Void> b = c.isend(new Blob(c.rank(), new double[20_000]), right(c), 16);
        Envelope<Void> blob = c.probe(left(c), 16);
        assertThat(blob.type()).isEqualTo(Blob.class.getName());
        assertThat(blob.bytes()).isGreaterThan(160_000L);
        Envelope<Void> e = c.probe(left(c), 15);
        assertThat(e.type()).isEqualTo("double[]");
        assertThat(e.count()).isEqualTo(100_000 + left(c));
        double[] got = new double[e.count()];
        c.receiveInto(got, e.source(), e.tag());
        assertThat(got[got.length - 1]).isEqualTo(left(c));
        Request<Object> r = c.ireceive(left(c), 16); // a nonblocking receive takes the probed message too
        assertThat(((Blob) r.await()).id()).isEqualTo(left(c));
        Request.waitAll(a, b);
    }

    /** waitAll returns every value in request order; waitAny/testAny an index of a complete request; nulls count as done. */
    @Contract
    public void waitAllWaitAnyTestAnyOverSeveralRequests(Communicator c) {
        int n = c.size();
        List<Request<Object>> receives = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            receives.add(c.ireceive(r, 21));
        }
        Request<Object> fromMe = c.ireceive(c.rank(), 25); // nobody else sends this one
        assertThat(Request.testAny(fromMe)).as("nothing was sent yet").isEqualTo(-1);
        assertThat(Request.testAll(receives.get(0), fromMe)).isFalse();
        c.send("me", c.rank(), 25);
        assertThat(fromMe.await()).isEqualTo("me");
        List<Request<Void>> sends = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            sends.add(c.isend(new int[] {c.rank(), r}, r, 21));
        }
        int i = Request.waitAny(receives);
        assertThat(i).isBetween(0, n - 1);
        assertThat(receives.get(i).isDone()).isTrue();
        assertThat((int[]) receives.get(i).await()).containsExactly(i, c.rank());
        List<Object> values = Request.waitAll(receives);
        for (int r = 0; r < n; r++) {
            assertThat((int[]) values.get(r)).containsExactly(r, c.rank());
        }
        assertThat(Request.testAll(receives)).isTrue();
        assertThat(Request.testAny(receives)).isEqualTo(0);
        Request.waitAll(sends);
        assertThat(Request.testAll(sends)).isTrue();
        assertThat(Request.waitAny(Arrays.asList(null, null))).as("all null: MPI_UNDEFINED").isEqualTo(-1);
        assertThat(Request.waitAny(List.of())).isEqualTo(-1);
        assertThat(Request.testAll(List.of())).isTrue();
        assertThat(Request.waitAll(Arrays.asList(null, c.isend("x", c.rank(), 22)))).containsExactly(null, null);
        assertThat(c.<String>receive(c.rank(), 22)).isEqualTo("x");
    }

    /** waitAny returns as soon as one of several receives completes, while the others still wait. */
    @Contract
    public void waitAnyReturnsWhileOtherRequestsStillWait(Communicator c) {
        Request<Object> never = c.ireceive(left(c), 24); // completed at the end
        Request<Object> soon = c.ireceive(left(c), 23);
        c.send("soon", right(c), 23);
        assertThat(Request.waitAny(never, soon)).isEqualTo(1);
        assertThat(never.isDone()).isFalse();
        assertThat(soon.await()).isEqualTo("soon");
        c.barrier(); // nobody sends tag 24 before every rank looked
        c.send("late", right(c), 24);
        assertThat(never.await()).isEqualTo("late");
    }

    /** Par.PROC_NULL: sends vanish, receives complete at once with null and source PROC_NULL. */
    @Contract
    public void procNullCompletesAtOnce(Communicator c) {
        c.send("lost", Par.PROC_NULL, 3);
        assertThat(c.<Object>receive(Par.PROC_NULL, 3)).isNull();
        Envelope<Object> e = c.receiveEnvelope(Par.PROC_NULL, Par.ANY_TAG);
        assertThat(e.source()).isEqualTo(Par.PROC_NULL);
        assertThat(e.tag()).isEqualTo(Par.ANY_TAG);
        assertThat(e.bytes()).isZero();
        double[] buffer = {1, 2};
        assertThat(c.receiveInto(buffer, Par.PROC_NULL, 0).value()).isSameAs(buffer);
        assertThat(buffer).containsExactly(1, 2);
        assertThat(c.isend(new int[3], Par.PROC_NULL, 0).isDone()).isTrue();
        assertThat(c.ireceive(Par.PROC_NULL, 0).isDone()).isTrue();
        assertThat(c.<Object>sendrecv("x", Par.PROC_NULL, 0, Par.PROC_NULL, 0)).isNull();
        assertThat(c.probe(Par.PROC_NULL, 0).source()).isEqualTo(Par.PROC_NULL);
        assertThat(c.iprobe(Par.PROC_NULL, Par.ANY_TAG).source()).isEqualTo(Par.PROC_NULL);
        // an open-ended chain: the first rank receives from nobody, the last sends to nobody
        int up = c.rank() == 0 ? Par.PROC_NULL : c.rank() - 1;
        int down = c.rank() == c.size() - 1 ? Par.PROC_NULL : c.rank() + 1;
        Integer got = c.sendrecv(c.rank(), down, 8, up, 8);
        assertThat(got).isEqualTo(c.rank() == 0 ? null : c.rank() - 1);
        assertThatThrownBy(() -> c.broadcast("x", Par.PROC_NULL)).isInstanceOf(JparException.class)
                .hasMessageStartingWith("broadcast: root rank -2 is out of range");
    }

    /** split: one communicator per colour, ordered by key then by rank; UNDEFINED gets none. */
    @Contract
    public void splitMakesOneCommunicatorPerColourOrderedByKey(Communicator c) {
        int n = c.size();
        int colour = c.rank() % 3;
        int key = -c.rank(); // reverse order
        try (Communicator sub = c.split(colour, key)) {
            List<Integer> members = new ArrayList<>();
            for (int r = n - 1; r >= 0; r--) {
                if (r % 3 == colour) {
                    members.add(r);
                }
            }
            assertThat(sub.size()).isEqualTo(members.size());
            assertThat(sub.rank()).isEqualTo(members.indexOf(c.rank()));
            assertThat(sub.allgather(c.rank())).containsExactlyElementsOf(members);
            // point-to-point inside the new communicator, in its own numbering
            int next = (sub.rank() + 1) % sub.size();
            int prev = (sub.rank() - 1 + sub.size()) % sub.size();
            sub.send(c.rank(), next, 0);
            assertThat(sub.<Integer>receive(prev, 0)).isEqualTo(members.get(prev));
            // equal keys: the parent's order decides; split of a split
            try (Communicator again = sub.split(0, 0)) {
                assertThat(again.rank()).isEqualTo(sub.rank());
                assertThat(again.allreduce(1, Integer::sum)).isEqualTo(sub.size());
            }
        }
        Communicator none = c.split(c.rank() == 0 ? Par.UNDEFINED : 1, 0);
        if (c.rank() == 0) {
            assertThat(none).isNull();
        } else {
            assertThat(none.size()).isEqualTo(n - 1);
            assertThat(none.rank()).isEqualTo(c.rank() - 1);
            none.barrier();
            none.close();
        }
    }

    /** Messages of a dup() and of its parent never mix, even with the same source and tag, or wildcards. */
    @Contract
    public void dupMessagesNeverMixWithTheParents(Communicator c) {
        Communicator d = c.dup();
        assertThat(d.size()).isEqualTo(c.size());
        assertThat(d.rank()).isEqualTo(c.rank());
        c.send("parent", right(c), 1);
        d.send("dup", right(c), 1);
        c.send("parent 2", right(c), 1);
        assertThat(d.<String>receive(Par.ANY_SOURCE, Par.ANY_TAG)).isEqualTo("dup");
        assertThat(d.iprobe(Par.ANY_SOURCE, Par.ANY_TAG)).isNull();
        assertThat(c.<String>receive(left(c), 1)).isEqualTo("parent");
        assertThat(c.<String>receive(left(c), 1)).isEqualTo("parent 2");
        // collectives of both, interleaved
        assertThat(d.allreduce(c.rank(), Integer::sum)).isEqualTo(c.size() * (c.size() - 1) / 2);
        assertThat(c.broadcast("b", 0)).isEqualTo("b");
        d.close();
        d.close(); // idempotent
        assertThat(d.isClosed()).isTrue();
        assertThat(c.isClosed()).isFalse();
        assertThatThrownBy(() -> d.send("x", 0)).isInstanceOf(JparException.class)
                .hasMessageStartingWith("send: this communicator was closed");
        c.barrier(); // the parent still works
    }

    /** Many dups and splits made and freed in a loop (communicators are freed, not leaked). */
    @Contract
    public void communicatorsMadeAndFreedInALoop(Communicator c) {
        for (int i = 0; i < 50; i++) {
            try (Communicator d = c.dup(); Communicator s = c.split(c.rank() % 2, 0)) {
                d.send(i, right(c), 0);
                assertThat(d.<Integer>receive(left(c), 0)).isEqualTo(i);
                s.barrier();
            }
        }
    }

    /** Par.self(): a communicator of this rank alone, on every engine. */
    @Contract
    public void selfIsThisRankAlone(Communicator c) {
        try (Communicator self = Par.self()) {
            assertThat(self.size()).isEqualTo(1);
            assertThat(self.rank()).isZero();
            assertThat(self.engine()).isEqualTo(c.engine());
            self.send(new int[] {c.rank()}, 0, 2);
            self.send(List.of("a", c.rank()), 0, 3);
            assertThat(self.probe(0, Par.ANY_TAG).type()).isEqualTo("int[]");
            assertThat(self.<List<Object>>receive(0, 3)).containsExactly("a", c.rank());
            assertThat(self.<int[]>receive(Par.ANY_SOURCE, 2)).containsExactly(c.rank());
            assertThat(self.iprobe(0, Par.ANY_TAG)).isNull();
            assertThat(self.allreduce(c.rank(), Integer::sum)).isEqualTo(c.rank());
            assertThat(self.gather("g", 0)).containsExactly("g");
            self.barrier();
            assertThat(self.<String>sendrecv("me", 0, 1, 0, 1)).isEqualTo("me");
            assertThatThrownBy(() -> self.send("x", 1)).isInstanceOf(JparException.class)
                    .hasMessage("send: dest rank 1 is out of range: valid ranks are 0..0 (size 1)");
        }
        c.barrier();
    }

    /** A 2-D grid: coordinates row-major, shifts around a periodic ring and to PROC_NULL at open edges. */
    @Contract
    public void cartesianShiftRingOnATwoDimensionalGrid(Communicator c) {
        int n = c.size();
        int[] dims = Par.dims(n, 2);
        assertThat(dims[0] * dims[1]).isEqualTo(n);
        assertThat(dims[0]).isGreaterThanOrEqualTo(dims[1]);
        try (Cartesian grid = c.cartesian(dims, new boolean[] {true, false})) {
            assertThat(grid.rank()).isEqualTo(c.rank());
            int[] at = grid.coords();
            assertThat(at).containsExactly(c.rank() / dims[1], c.rank() % dims[1]);
            assertThat(grid.rankOf(at)).isEqualTo(c.rank());
            assertThat(grid.rankOf(at[0] + dims[0], at[1])).as("periodic dimension wraps").isEqualTo(c.rank());
            // dimension 0 is a ring: shifting by one passes every rank's number down the ring
            Cartesian.Shift ring = grid.shift(0, 1);
            assertThat(ring.dest()).isEqualTo(grid.rankOf(at[0] + 1, at[1]));
            assertThat(ring.source()).isEqualTo(grid.rankOf(at[0] - 1, at[1]));
            Integer got = grid.communicator().sendrecv(c.rank(), ring.dest(), 0, ring.source(), 0);
            assertThat(got).isEqualTo(ring.source());
            // dimension 1 is open: PROC_NULL past the edges
            Cartesian.Shift row = grid.shift(1, 1);
            assertThat(row.dest()).isEqualTo(at[1] == dims[1] - 1 ? Par.PROC_NULL : c.rank() + 1);
            assertThat(row.source()).isEqualTo(at[1] == 0 ? Par.PROC_NULL : c.rank() - 1);
            Integer fromLeft = grid.communicator().sendrecv(c.rank(), row.dest(), 1, row.source(), 1);
            assertThat(fromLeft).isEqualTo(at[1] == 0 ? null : c.rank() - 1);
            assertThat(grid.shift(1, -dims[1])).isEqualTo(new Cartesian.Shift(Par.PROC_NULL, Par.PROC_NULL));
            assertThat(grid.shift(0, 0)).isEqualTo(new Cartesian.Shift(c.rank(), c.rank()));
            assertThatThrownBy(() -> grid.rankOf(0, dims[1])).isInstanceOf(JparException.class)
                    .hasMessage("rankOf: coordinate " + dims[1] + " of dimension 1 is outside the grid: valid are 0.."
                            + (dims[1] - 1) + " (the dimension is not periodic)");
            assertThatThrownBy(() -> grid.shift(2, 1)).isInstanceOf(JparException.class)
                    .hasMessage("shift: dimension 2 is out of range: the grid has dimensions 0..1");
            assertThatThrownBy(() -> grid.rankOf(0)).isInstanceOf(JparException.class)
                    .hasMessage("rankOf: the grid has 2 dimensions but 1 coordinates were given: give one per "
                            + "dimension");
        }
        try (Cartesian line = c.cartesian(new int[] {n}, new boolean[] {false})) {
            assertThat(line.coords()).containsExactly(c.rank());
        }
    }

    /** Every bad argument of the communicator calls gets one clear message. */
    @Contract
    public void badCommunicatorArgumentsAreRefusedClearly(Communicator c) {
        int n = c.size();
        assertThatThrownBy(() -> c.split(-5, 0)).isInstanceOf(JparException.class)
                .hasMessage("split: color -5 is negative: give a color >= 0, or Par.UNDEFINED for a rank that joins "
                        + "no new communicator");
        assertThatThrownBy(() -> c.cartesian(new int[] {n, 2}, new boolean[2])).isInstanceOf(JparException.class)
                .hasMessageStartingWith("cartesian: dims [" + n + ", 2] multiply to " + 2 * n + " but the "
                        + "communicator has " + n + " ranks: give dims whose product is " + n);
        assertThatThrownBy(() -> c.cartesian(new int[] {n}, new boolean[2])).isInstanceOf(JparException.class)
                .hasMessage("cartesian: periodic has 2 entries but dims has 1 dimensions: give one periodic flag per "
                        + "dimension");
        assertThatThrownBy(() -> c.cartesian(new int[] {n, 0}, new boolean[2])).isInstanceOf(JparException.class)
                .hasMessage("cartesian: dims[1] is 0: every extent must be >= 1");
        assertThatThrownBy(() -> c.cartesian(new int[0], new boolean[0])).isInstanceOf(JparException.class)
                .hasMessageStartingWith("cartesian: dims must give at least one dimension");
        assertThatThrownBy(() -> Par.dims(0, 2)).isInstanceOf(JparException.class)
                .hasMessage("dims(0, 2): nranks 0 must be >= 1");
        assertThatThrownBy(() -> c.probe(n, 0)).isInstanceOf(JparException.class)
                .hasMessage("probe: source rank " + n + " is out of range: valid ranks are 0.." + (n - 1) + " (size "
                        + n + ") or Par.ANY_SOURCE");
        assertThatThrownBy(() -> c.sendrecv("x", Par.ANY_SOURCE, 0, 0, 0)).isInstanceOf(JparException.class)
                .hasMessageStartingWith("sendrecv: dest rank -1 is Par.ANY_SOURCE, which only receives take");
        assertThat(Par.dims(12, 2)).containsExactly(4, 3);
        assertThat(Par.dims(16, 3)).containsExactly(4, 2, 2);
        assertThat(Par.dims(7, 2)).containsExactly(7, 1);
        assertThat(Par.dims(1, 3)).containsExactly(1, 1, 1);
        double t0 = Par.time();
        assertThat(Par.time()).isGreaterThanOrEqualTo(t0);
        assertThat(Par.tick()).isPositive().isLessThan(1e-6);
    }

    /**
     * Threads inside ranks: each of several threads computes its share, exchanges point-to-point messages with the
     * same thread of the neighbours (all threads at once on the world), and runs collectives on its own dup().
     */
    @Contract
    public void threadsInsideRanksComputeAndMessageConcurrently(Communicator c) throws Exception {
        int threads = 3;
        List<Communicator> own = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            own.add(c.dup()); // in the same order on every rank
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Communicator mine = own.get(t);
                results.add(pool.submit(() -> {
                    long local = 0;
                    for (int i = 0; i < 20; i++) {
                        long[] part = new long[1000];
                        for (int k = 0; k < part.length; k++) {
                            part[k] = (long) c.rank() * 1_000_000 + id * 1000 + k;
                            local += part[k];
                        }
                        long[] got = c.sendrecv(part, right(c), 100 + id, left(c), 100 + id); // world, concurrently
                        assertThat(got[0]).isEqualTo((long) left(c) * 1_000_000 + id * 1000);
                        long sum = mine.allreduce(local, Long::sum);
                        assertThat(mine.broadcast(sum, i % c.size())).isEqualTo(sum);
                    }
                    return local;
                }));
            }
            long total = 0;
            for (Future<Long> f : results) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            long all = c.allreduce(total, Long::sum);
            long expected = 0;
            for (int r = 0; r < c.size(); r++) {
                for (int id = 0; id < threads; id++) {
                    for (int k = 0; k < 1000; k++) {
                        expected += 20L * ((long) r * 1_000_000 + id * 1000 + k);
                    }
                }
            }
            assertThat(all).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
            own.forEach(Communicator::close);
        }
    }
}
