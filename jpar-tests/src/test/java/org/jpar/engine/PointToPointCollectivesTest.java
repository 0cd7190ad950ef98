package org.jpar.engine;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.Request;
import org.jpar.contract.ArrayCollectivesContract;
import org.jpar.contract.Contract;
import org.jpar.contract.ContractSuite;
import org.jpar.contract.ObjectCollectivesContract;
import org.jpar.engine.threads.ThreadsEngine;
import org.jpar.spi.Collectives;
import org.jpar.spi.PointToPointCollectives;
import org.jpar.spi.Transport;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The engine-independent collectives ({@link PointToPointCollectives}, what every engine inherits for what it does
 * not do natively) under the collective contracts, over the embedded engine's point-to-point messages, at sizes that
 * exercise every tree shape: powers of two and not, 1 to 9 ranks and 64.
 */
class PointToPointCollectivesTest {
    static final int[] SIZES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 64};

    /** @return the embedded world, but with the point-to-point collectives */
    static Communicator pointToPoint(Communicator world) {
        return new Communicator(new OverPointToPoint(world.transport()));
    }

    @TestFactory
    Stream<DynamicNode> collectiveContracts() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (int size : SIZES) {
            List<DynamicNode> tests = new ArrayList<>();
            for (Method m : collectiveMethods()) {
                tests.add(DynamicTest.dynamicTest(m.getName(), () -> ThreadsEngine.run(size, world -> {
                    ContractSuite.invoke(m, pointToPoint(world));
                })));
            }
            nodes.add(DynamicContainer.dynamicContainer(size + " ranks", tests));
        }
        return nodes.stream();
    }

    /** A receiving rank names both ranks when arrays differ in length or type (every rank then fails with the job). */
    @org.junit.jupiter.api.Test
    void arraysThatDifferAcrossRanksAreNamedByTheRankThatReceivesThem() {
        Throwable e = ThreadsCollectivesTest.failure(4, w -> pointToPoint(w)
                .allreduce(new double[w.rank() == 3 ? 3 : 4], org.jpar.Op.SUM));
        org.assertj.core.api.Assertions.assertThat(e).isInstanceOf(org.jpar.JparException.class)
                .hasMessageMatching("allreduce: rank [0-3] passed double\\[\\] of [34] elements but rank [0-3] passed "
                        + "double\\[\\] of [34] elements: every rank must pass arrays of the same type and length");
        e = ThreadsCollectivesTest.failure(2, w -> pointToPoint(w)
                .reduce(w.rank() == 1 ? (Object) new long[2] : new int[2], org.jpar.Op.MAX, 0));
        org.assertj.core.api.Assertions.assertThat(e).hasMessage("reduce: rank 0 passed int[] of 2 elements but rank 1 "
                + "passed long[] of 2 elements: every rank must pass arrays of the same type and length");
        e = ThreadsCollectivesTest.failure(3, w -> pointToPoint(w).gatherv(new double[w.rank() == 2 ? 1 : 2],
                w.rank() == 0 ? new double[6] : null, w.rank() == 0 ? new int[] {2, 2, 2} : null, 0));
        org.assertj.core.api.Assertions.assertThat(e).hasMessage("gatherv: rank 2 sent 1 elements but root 0's "
                + "counts[2] is 2: give every rank's send at least its count");
        // broadcastInto and alltoall receive straight into the rank's array: longer, shorter, another type
        for (int rootLength : new int[] {5, 3}) {
            e = ThreadsCollectivesTest.failure(2, w -> pointToPoint(w)
                    .broadcastInto(new double[w.rank() == 0 ? rootLength : 4], 0));
            org.assertj.core.api.Assertions.assertThat(e).hasMessage("broadcastInto: rank 1 passed double[] of 4 "
                    + "elements but rank 0 passed double[] of " + rootLength + " elements: every rank must pass arrays "
                    + "of the same type and length");
        }
        e = ThreadsCollectivesTest.failure(2, w -> pointToPoint(w)
                .broadcastInto(w.rank() == 0 ? new int[4] : new double[4], 0));
        org.assertj.core.api.Assertions.assertThat(e).hasMessage("broadcastInto: rank 1 passed double[] of 4 "
                + "elements but rank 0 passed int[] of 4 elements: every rank must pass arrays of the same type and "
                + "length");
        e = ThreadsCollectivesTest.failure(2, w -> {
            double[] a = new double[w.rank() == 0 ? 6 : 4];
            pointToPoint(w).alltoall(a, new double[a.length]);
        });
        org.assertj.core.api.Assertions.assertThat(e).hasMessageMatching("alltoall: rank ([01]) has blocks of [23] "
                + "elements of double\\[\\] but rank (?!\\1)[01] sent double\\[\\] of [23] elements: give every rank "
                + "arrays of the same type and length");
        e = ThreadsCollectivesTest.failure(2, w -> pointToPoint(w)
                .alltoall(w.rank() == 0 ? new long[4] : new double[4], w.rank() == 0 ? new long[4] : new double[4]));
        org.assertj.core.api.Assertions.assertThat(e).hasMessageMatching("alltoall: rank ([01]) has blocks of 2 "
                + "elements of (long|double)\\[\\] but rank (?!\\1)[01] sent (long|double)\\[\\] of 2 elements: give "
                + "every rank arrays of the same type and length");
    }

    static List<Method> collectiveMethods() {
        List<Method> all = new ArrayList<>();
        for (Class<?> c : List.of(ArrayCollectivesContract.class, ObjectCollectivesContract.class)) {
            for (Method m : c.getMethods()) {
                if (m.isAnnotationPresent(Contract.class)) {
                    all.add(m);
                }
            }
        }
        all.sort(java.util.Comparator.comparing(Method::getName));
        return all;
    }

    /** A transport that forwards everything to the embedded one, but collects with the point-to-point defaults. */
    static final class OverPointToPoint implements Transport {
        private final Transport t;
        private final Collectives collectives;

        OverPointToPoint(Transport t) {
            this.t = t;
            this.collectives = new PointToPointCollectives(this);
        }

        @Override
        public int rank() {
            return t.rank();
        }

        @Override
        public int size() {
            return t.size();
        }

        @Override
        public String processorName() {
            return t.processorName();
        }

        @Override
        public String engineName() {
            return t.engineName();
        }

        @Override
        public void send(Object message, int dest, int tag) {
            t.send(message, dest, tag);
        }

        @Override
        public Envelope<Object> receive(int source, int tag, Object buffer) {
            return t.receive(source, tag, buffer);
        }

        @Override
        public Request<Void> isend(Object message, int dest, int tag) {
            return t.isend(message, dest, tag);
        }

        @Override
        public Request<Object> ireceive(int source, int tag, Object buffer) {
            return t.ireceive(source, tag, buffer);
        }

        @Override
        public Envelope<Void> probe(int source, int tag, boolean block) {
            return t.probe(source, tag, block);
        }

        @Override
        public void abort(int code) {
            t.abort(code);
        }

        @Override
        public Transport split(int color, int key) {
            Transport s = t.split(color, key);
            return s == null ? null : new OverPointToPoint(s);
        }

        @Override
        public Collectives collectives() {
            return collectives;
        }

        @Override
        public void close() {
            t.close();
        }
    }
}
