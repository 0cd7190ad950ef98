package org.jpar.internal.diag;

import java.util.Arrays;

import org.jpar.Envelope;
import org.jpar.Request;
import org.jpar.spi.Collectives;
import org.jpar.spi.Transport;

/**
 * What the observing transport adds per send + receive, measured around a transport that does nothing (so only the
 * diagnostics' own work is timed): plain, hang watch on, timeline on; batches interleaved A B C A B C in one JVM.
 * Run by hand: {@code java -cp jpar-core/target/classes:jpar-core/target/test-classes org.jpar.internal.diag.DecoratorCost}.
 */
public final class DecoratorCost {
    private DecoratorCost() {
    }

    private static final class Nothing implements Transport {
        private final Envelope<Object> env = new Envelope<>(null, 1, 0, 8);

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public String processorName() {
            return "here";
        }

        @Override
        public String engineName() {
            return "none";
        }

        long sent;

        @Override
        public void send(Object message, int dest, int tag) {
            sent += tag + 1;
        }

        @Override
        public Envelope<Object> receive(int source, int tag, Object buffer) {
            return env;
        }

        @Override
        public Request<Void> isend(Object message, int dest, int tag) {
            return null;
        }

        @Override
        public Request<Object> ireceive(int source, int tag, Object buffer) {
            return null;
        }

        @Override
        public Envelope<Void> probe(int source, int tag, boolean block) {
            return null;
        }

        @Override
        public void abort(int code) {
        }

        @Override
        public Transport split(int color, int key) {
            return null;
        }

        @Override
        public Collectives collectives() {
            return null;
        }

        @Override
        public void close() {
        }
    }

    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        byte[] msg = new byte[8];
        Transport plain = new Nothing();
        String[] names = {"plain", "hang watch", "timeline"};
        double[][] ns = new double[3][rounds];
        for (int r = -3; r < rounds; r++) {
            for (int v = 0; v < 3; v++) {
                Transport t = v == 0 ? plain : new ObservedTransport(plain, v == 2 ? new Tracer() : null, v == 1, 0, 0);
                // CPU time of this thread: on a loaded machine, wall time mostly measures the other processes
                long start = MX.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    t.send(msg, 1, 0);
                    t.receive(1, 0, msg);
                }
                double per = (MX.getCurrentThreadCpuTime() - start) / (double) n;
                if (r >= 0) {
                    ns[v][r] = per;
                }
            }
        }
        System.out.println("(checksum " + ((Nothing) plain).sent + ")");
        for (int v = 0; v < 3; v++) {
            Arrays.sort(ns[v]);
            System.out.printf("%-11s send+receive: median %.1f ns (min %.1f, max %.1f)%n", names[v], ns[v][rounds / 2],
                    ns[v][0], ns[v][rounds - 1]);
        }
    }
}
