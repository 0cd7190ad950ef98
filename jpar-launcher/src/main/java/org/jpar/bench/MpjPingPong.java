package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.engine.mpj.Mpj;
import org.jpar.engine.mpj.RawMpj;

/**
 * {@code jpar bench pingpong --engine mpj [--device niodev]}: jpar's ping-pong ({@link PingPong}) and, in the same job
 * (the same JVMs, the same device), batch by batch in turn ({@link AlternatingBatches}), the raw MPJ Express baseline:
 * the same exchanges written directly against MPJ's mpiJava 1.2 API as its users would, {@code Send}/{@code Recv} of
 * {@code byte[]} with {@code MPI.BYTE}, and the object payloads (plus a boxed {@code Integer}) with
 * {@code MPI.OBJECT}. Rank 0 prints {@code jpar-mpj ...}, then {@code raw-mpj ...} (arrays) or
 * {@code raw-mpj-object ...} (objects) lines with best and median batch and jpar's ratios.
 *
 * <p>{@code -Djpar.bench.payloads=bytes8,bytes1M} runs only the payloads named (all by default).
 */
public final class MpjPingPong {
    private static final int BATCHES = 7;
    private static final int WARMUP = 3;

    private MpjPingPong() {
    }

    /** @param args {@code [scale]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Communicator world = Par.world();
        if (world.size() < 2) {
            throw new JparException("pingpong needs at least 2 ranks, got " + world.size() + ": run it with -np 2");
        }
        RawMpj raw = RawMpj.current();
        if (raw == null) {
            throw new JparException("the MPJ ping-pong runs under jpar run --engine mpj");
        }
        List<String> chosen = Payloads.chosen("integer");
        Mpj mpj = raw.mpj();
        Object comm = raw.world();
        int rank = world.rank();
        String who = "raw-mpj";
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            if (chosen != null && !chosen.contains(p.name())) {
                continue;
            }
            byte[] msg = (byte[]) p.value();
            byte[] buf = new byte[msg.length];
            byte[] rawBuf = new byte[msg.length];
            List<AlternatingBatches.Contender> cs = List.of(
                    new AlternatingBatches.Contender("jpar-mpj", () -> PingPong.arrays(world, msg, buf, p.iterations())),
                    new AlternatingBatches.Contender(who, () -> arrays(mpj, comm, rank, msg, rawBuf, p.iterations())));
            print(world, cs, p.name(), p.bytes(), p.iterations(), scale);
        }
        List<Payloads.Payload> objects = new ArrayList<>(Payloads.objects(scale));
        objects.add(new Payloads.Payload("integer", 42, -1, Math.max(10, (int) (100_000 * scale))));
        for (Payloads.Payload p : objects) {
            if (chosen != null && !chosen.contains(p.name())) {
                continue;
            }
            List<AlternatingBatches.Contender> cs = List.of(
                    new AlternatingBatches.Contender("jpar-mpj", () -> PingPong.objects(world, p.value(), p.iterations())),
                    new AlternatingBatches.Contender(who + "-object",
                            () -> objects(mpj, comm, rank, p.value(), p.iterations())));
            print(world, cs, p.name(), Math.max(0, p.bytes()), p.iterations(), scale);
        }
        world.barrier();
        Par.finish();
    }

    private static void print(Communicator world, List<AlternatingBatches.Contender> cs, String payload, long bytes,
                              int iterations, double scale) {
        List<AlternatingBatches.Result> rs = AlternatingBatches.run(world, WARMUP, scale, BATCHES, 2.0 * iterations,
                cs);
        if (world.rank() == 0) {
            for (int i = 0; i < rs.size(); i++) {
                System.out.println(Payloads.line(rs.get(i).who(), payload, bytes, rs.get(i).median()) + " "
                        + AlternatingBatches.fields(rs, i));
            }
        }
    }

    private static void arrays(Mpj mpj, Object comm, int rank, byte[] msg, byte[] buf, int iterations) {
        Object type = mpj.constant("BYTE");
        if (rank == 0) {
            for (int i = 0; i < iterations; i++) {
                mpj.send(comm, msg, 0, msg.length, type, 1, 0);
                mpj.recv(comm, buf, 0, buf.length, type, 1, 0);
            }
        } else if (rank == 1) {
            for (int i = 0; i < iterations; i++) {
                mpj.recv(comm, buf, 0, buf.length, type, 0, 0);
                mpj.send(comm, buf, 0, buf.length, type, 0, 0);
            }
        }
    }

    private static void objects(Mpj mpj, Object comm, int rank, Object value, int iterations) {
        Object type = mpj.constant("OBJECT");
        Object[] out = {value};
        Object[] in = new Object[1];
        if (rank == 0) {
            for (int i = 0; i < iterations; i++) {
                mpj.send(comm, out, 0, 1, type, 1, 0);
                mpj.recv(comm, in, 0, 1, type, 1, 0);
            }
        } else if (rank == 1) {
            for (int i = 0; i < iterations; i++) {
                mpj.recv(comm, in, 0, 1, type, 0, 0);
                mpj.send(comm, in, 0, 1, type, 0, 0);
            }
        }
    }
}
