package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.Op;
import org.jpar.Par;
import org.jpar.engine.nativempi.CBaseline;
import org.jpar.engine.nativempi.RawFfm;

/**
 * {@code MPI_Allreduce} of doubles with {@link Op#SUM}, as jpar's array collective
 * {@code allreduce(send, recv, Op.SUM)}: time per call at 8 B (one double) and 1 MiB (131,072 doubles), median and
 * best batch (a batch's time is the slowest rank's). Rank 0 prints
 * {@code jpar-<engine> payload=<name> bytes=<n> latency_us=<median> best_us=<best> ...}. On the native engine under
 * {@code jpar bench}, C's own {@code MPI_Allreduce} loop ({@link CBaseline}) and the same loop in Java through FFM
 * alone ({@link RawFfm}, {@code raw-ffm}: off-heap buffers, no copy; {@code raw-ffm-heap}: the same data in Java
 * arrays as jpar's, copied in and out around each call, as FFM alone must) run in the same ranks, their batches
 * alternating with jpar's ({@link AlternatingBatches}), and their lines add jpar's ratios to them.
 *
 * <p>Arguments: {@code [scale [file]]} as {@link PingPong}.
 */
public final class AllreduceBench {
    static final int BATCHES = 9;
    static final int WARMUP = 3;

    private AllreduceBench() {
    }

    /** @return the payloads: name, doubles, calls per batch */
    public static List<Payloads.Payload> payloads(double scale) {
        return List.of(new Payloads.Payload("doubles8", 1, 8, Math.max(10, (int) (100_000 * scale))),
                new Payloads.Payload("doubles1M", 131_072, 1 << 20, Math.max(10, (int) (1_000 * scale))));
    }

    /** @param args {@code [scale [file]]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        String file = args.length > 1 ? args[1] : null;
        Communicator world = Par.world();
        String who = "jpar-" + world.engine();
        CBaseline c = PingPong.cBaseline(world, true);
        RawFfm ffm = c != null && world.engine().equals("native") ? RawFfm.load() : null; // what FFM itself costs
        String cName = System.getProperty(PingPong.C_NAME, "c");
        for (Payloads.Payload p : payloads(scale)) {
            int n = (Integer) p.value();
            double[] send = new double[n];
            double[] recv = new double[n];
            double[] heapRecv = new double[n];
            java.util.Arrays.fill(send, 1.0);
            List<AlternatingBatches.Contender> cs = new ArrayList<>();
            cs.add(new AlternatingBatches.Contender(who, () -> {
                for (int i = 0; i < p.iterations(); i++) {
                    world.allreduce(send, recv, Op.SUM);
                }
            }));
            if (c != null) {
                cs.add(new AlternatingBatches.Contender(cName, () -> c.allreduce(n, p.iterations())));
            }
            if (ffm != null) {
                cs.add(new AlternatingBatches.Contender("raw-ffm", () -> ffm.allreduce(n, p.iterations())));
                cs.add(new AlternatingBatches.Contender("raw-ffm-heap",
                        () -> ffm.allreduce(send, heapRecv, p.iterations())));
            }
            List<AlternatingBatches.Result> rs = AlternatingBatches.run(world, WARMUP, scale, BATCHES, p.iterations(),
                    cs);
            if (recv[0] != world.size() || ffm != null && heapRecv[0] != world.size()) {
                throw new IllegalStateException("allreduce gave " + recv[0] + " (raw-ffm-heap: " + heapRecv[0]
                        + "), expected " + world.size());
            }
            if (world.rank() == 0) {
                for (int i = 0; i < rs.size(); i++) {
                    String line = Payloads.line(rs.get(i).who(), p.name(), p.bytes(), rs.get(i).median()) + " "
                            + AlternatingBatches.fields(rs, i);
                    System.out.println(line);
                    Payloads.record(file, line);
                }
            }
        }
        world.barrier();
        Par.finish();
    }
}
