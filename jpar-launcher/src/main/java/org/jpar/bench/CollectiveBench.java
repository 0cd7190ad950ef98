package org.jpar.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Op;
import org.jpar.Par;
import org.jpar.engine.nativempi.CBaseline;
import org.jpar.engine.nativempi.RawFfm;
import org.jpar.engine.openmpi.Mpi;

/**
 * {@code jpar bench allreduce|bcast|alltoall}: one collective on {@code double[]} of 8 bytes and of 1 MiB, on every
 * rank of the world, timed per call. jpar's call ({@code allreduce(send, recv, Op.SUM)}, {@code broadcastInto(buf, 0)},
 * {@code alltoall(send, recv)}) alternates batch by batch with the raw engine's ({@link AlternatingBatches}): on the
 * Open MPI engine, the Java bindings' own {@code allReduce}/{@code bcast}/{@code allToAll} on a duplicate of
 * {@code MPI_COMM_WORLD} in the same processes, once with the same heap arrays and once with direct buffers; on the MPJ
 * Express engine, MPJ's own {@code Allreduce}/{@code Bcast}/{@code Alltoall} ({@link RawMpjCollectives}); on the
 * native engine under {@code jpar bench}, C's own loop ({@link CBaseline}), the same call through FFM alone on
 * off-heap memory ({@code raw-ffm}) and on Java arrays copied in and out as jpar's are ({@code raw-ffm-heap}). The
 * threads engine has no raw engine in its JVM: its lines stand alone (compare with
 * {@code jpar bench ... --engine openmpi}, or {@link RawOpenMpiCollectives} which the launcher runs after it when
 * Open MPI is installed).
 *
 * <p>Rank 0 prints, per size: {@code <who> <bench> bytes=<n> ranks=<N> best_us=.. median_us=..} and, on baseline
 * lines, {@code jpar_ratio_best=.. jpar_ratio_median=..} (jpar's time over the baseline's).
 *
 * <p>Arguments: {@code <allreduce|bcast|alltoall> [scale [sizes]]}, sizes in bytes separated by commas (default
 * {@code 8,1048576}).
 */
public final class CollectiveBench {
    /** The benchmarks. */
    public static final List<String> KINDS = List.of("allreduce", "bcast", "alltoall");
    static final int WARMUP = 3;
    static final int BATCHES = 9;

    private CollectiveBench() {
    }

    /** @param args {@code <allreduce|bcast|alltoall> [scale [sizes]]} */
    public static void main(String[] args) {
        String kind = args.length > 0 ? args[0] : "allreduce";
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        int[] sizes = sizes(args.length > 2 ? args[2] : null);
        if (!KINDS.contains(kind)) {
            throw new JparException("no collective benchmark " + kind + ": choose one of " + KINDS);
        }
        Communicator c = Par.world();
        boolean openmpi = c.engine().equals("openmpi");
        Object raw = openmpi ? Mpi.duplicate(Mpi.constant("COMM_WORLD")) : null;
        org.jpar.engine.mpj.RawMpj mpj = c.engine().equals("mpj") ? org.jpar.engine.mpj.RawMpj.current() : null;
        boolean nativeEngine = c.engine().equals("native");
        CBaseline cLoop = nativeEngine ? PingPong.cBaseline(c, true) : null; // under jpar bench: C in the same ranks
        RawFfm ffm = cLoop != null ? RawFfm.load() : null;
        String cName = System.getProperty(PingPong.C_NAME, "c");
        for (int bytes : sizes) {
            int n = bytes / 8;
            int iterations = Math.max(5, (int) ((bytes <= 4096 ? 20_000 : 200) * scale));
            List<AlternatingBatches.Contender> contenders = new ArrayList<>();
            contenders.add(new AlternatingBatches.Contender("jpar-" + c.engine(), jpar(c, kind, n, iterations)));
            if (openmpi) {
                contenders.add(new AlternatingBatches.Contender("raw-openmpi-heap",
                        raw(raw, kind, n, c.size(), iterations, false)));
                contenders.add(new AlternatingBatches.Contender("raw-openmpi-direct",
                        raw(raw, kind, n, c.size(), iterations, true)));
            }
            if (mpj != null) {
                contenders.add(new AlternatingBatches.Contender("raw-mpj",
                        RawMpjCollectives.batch(mpj, kind, n, c.size(), iterations)));
            }
            if (cLoop != null) {
                contenders.addAll(rawNative(cLoop, ffm, cName, kind, n, c.size(), iterations));
            }
            List<AlternatingBatches.Result> results = AlternatingBatches.run(c, WARMUP, scale, BATCHES, iterations,
                    contenders);
            if (c.rank() == 0) {
                for (int i = 0; i < results.size(); i++) {
                    System.out.println(line(results.get(i).who(), kind, bytes, c.size())
                            + AlternatingBatches.fields(results, i));
                }
            }
        }
        c.barrier();
        Par.finish();
    }

    /** @return the sizes in bytes of {@code list} ("8,1048576"; null: those two), each a positive multiple of 8 */
    static int[] sizes(String list) {
        if (list == null || list.isBlank()) {
            return new int[] {8, 1 << 20};
        }
        String[] parts = list.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                sizes[i] = -1;
            }
            if (sizes[i] <= 0 || sizes[i] % 8 != 0) {
                throw new JparException("collective benchmark size " + parts[i].trim() + " is not a positive multiple"
                        + " of 8 bytes (one double): give sizes such as 8,1048576");
            }
        }
        return sizes;
    }

    static String line(String who, String kind, int bytes, int ranks) {
        return String.format(Locale.ROOT, "%s %s bytes=%d ranks=%d ", who, kind, bytes, ranks);
    }

    /** @return one batch of jpar's collective: {@code n} doubles per rank (alltoall: per destination block) */
    static Runnable jpar(Communicator c, String kind, int n, int iterations) {
        switch (kind) {
            case "allreduce": {
                double[] send = values(n);
                double[] recv = new double[n];
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        c.allreduce(send, recv, Op.SUM);
                    }
                };
            }
            case "bcast": {
                double[] buf = values(n);
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        c.broadcastInto(buf, 0);
                    }
                };
            }
            default: {
                int block = Math.max(1, n / c.size());
                double[] send = values(block * c.size());
                double[] recv = new double[send.length];
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        c.alltoall(send, recv);
                    }
                };
            }
        }
    }

    /** @return one batch of the bindings' own collective on {@code comm}, on heap arrays or direct buffers */
    static Runnable raw(Object comm, String kind, int n, int size, int iterations, boolean direct) {
        Object type = Mpi.constant("DOUBLE");
        Object sum = Mpi.constant("SUM");
        int block = Math.max(1, n / size);
        int length = kind.equals("alltoall") ? block * size : n;
        Object send = direct ? directDoubles(length) : values(length);
        Object recv = direct ? directDoubles(length) : new double[length];
        switch (kind) {
            case "allreduce":
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        Mpi.allReduce(comm, send, recv, length, type, sum);
                    }
                };
            case "bcast":
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        Mpi.broadcast(comm, send, length, type, 0);
                    }
                };
            default:
                return () -> {
                    for (int i = 0; i < iterations; i++) {
                        Mpi.allToAll(comm, send, recv, block, type);
                    }
                };
        }
    }

    /**
     * @return the native engine's baselines of one batch: C's own loop ({@code mpibench.c}, named {@code cName}), the
     *         same call through FFM alone on off-heap memory ({@code raw-ffm}), and on Java arrays copied in and out
     *         as jpar's are ({@code raw-ffm-heap})
     */
    static List<AlternatingBatches.Contender> rawNative(CBaseline cLoop, RawFfm ffm, String cName, String kind, int n,
                                                         int size, int iterations) {
        int block = Math.max(1, n / size);
        double[] a = values(kind.equals("alltoall") ? block * size : n);
        double[] b = new double[a.length];
        List<AlternatingBatches.Contender> cs = new ArrayList<>();
        switch (kind) {
            case "allreduce":
                cs.add(new AlternatingBatches.Contender(cName, () -> cLoop.allreduce(n, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm", () -> ffm.allreduce(n, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm-heap", () -> ffm.allreduce(a, b, iterations)));
                break;
            case "bcast":
                cs.add(new AlternatingBatches.Contender(cName, () -> cLoop.bcast(n, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm", () -> ffm.bcast(n, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm-heap", () -> ffm.bcast(a, iterations)));
                break;
            default:
                cs.add(new AlternatingBatches.Contender(cName, () -> cLoop.alltoall(block, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm", () -> ffm.alltoall(block, iterations)));
                cs.add(new AlternatingBatches.Contender("raw-ffm-heap", () -> ffm.alltoall(a, b, iterations)));
                break;
        }
        return cs;
    }

    private static ByteBuffer directDoubles(int n) {
        ByteBuffer b = Mpi.newByteBuffer(8 * n);
        for (int i = 0; i < n; i++) {
            b.putDouble(8 * i, i * 0.5);
        }
        return b;
    }

    static double[] values(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5;
        }
        return a;
    }
}
