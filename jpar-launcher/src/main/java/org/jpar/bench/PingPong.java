package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.fory.Fory;
import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.engine.nativempi.CBaseline;
import org.jpar.engine.nativempi.RawFfm;
import org.jpar.engine.openmpi.Mpi;

/**
 * Ping-pong between ranks 0 and 1, as {@code python -m mpi4py.bench pingpong}: one-way latency and bandwidth for
 * byte arrays (received into a buffer, never serialized) and for objects (encoded). An SPMD program, so it runs
 * unchanged on every engine: {@code jpar bench pingpong --engine E}. Ranks above 1 only wait.
 *
 * <p>jpar's batches alternate with the raw baseline's ({@link AlternatingBatches}), in the same processes: on Open MPI,
 * the bindings' own {@code send}/{@code recv} on a duplicate of {@code MPI_COMM_WORLD} (at jpar's thread level), with
 * heap arrays and with direct buffers; on the threads engine, the threads of ranks 0 and 1 handing the message over
 * through volatile slots with a spin wait ({@link RawThreadsPingPong}); on the native engine under {@code jpar bench},
 * C's own loop ({@link CBaseline}: {@code mpibench.c} built with the MPI's {@code mpicc}, loaded into the ranks) and
 * the same loop in Java through FFM alone ({@link RawFfm}, {@code raw-ffm}: off-heap buffers, no header, no copy), so
 * that jpar's gap to C splits into what FFM's downcalls cost and what jpar adds.
 * Rank 0 prints one line per payload and contender:
 * {@code <who> payload=<name> bytes=<n> latency_us=<median> bandwidth_MBps=<at the median> best_us=.. median_us=..},
 * baselines with {@code jpar_ratio_best=.. jpar_ratio_median=..}.
 *
 * <p>Arguments: {@code [scale [baseline|no-baseline|c-baseline]]}, a factor on the iteration counts (default 1), and
 * which baselines run: all (default), none, or only C's loop ({@code jpar bench --engine native} runs the Open MPI
 * engine that way, so that the JNI engine too is compared with C in its own run).
 * {@code -Djpar.bench.payloads=bytes8,string} (through {@code JPAR_JAVA_OPTS}) runs only the payloads named.
 */
public final class PingPong {
    private static final int BATCHES = 7;
    /** Untimed batches first: the JIT needs them (an MPI rank's compiler threads share its one bound core). */
    private static final int WARMUP = 3;
    /** System property: the C baseline's library ({@link CBaseline}), set by {@code jpar bench --engine native}. */
    public static final String C_LIBRARY = "jpar.bench.clib";
    /** System property: the C baseline's name in the lines ({@code c-openmpi}, {@code c-mpich}). */
    public static final String C_NAME = "jpar.bench.cname";

    private PingPong() {
    }

    /** @param args {@code [scale [baseline|no-baseline|c-baseline]]} */
    public static void main(String[] args) {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        String mode = args.length > 1 ? args[1] : "baseline";
        Communicator world = Par.world();
        if (world.size() < 2) {
            throw new JparException("pingpong needs at least 2 ranks, got " + world.size() + ": run it with -np 2");
        }
        run(world, scale, mode.equals("baseline"), !mode.equals("no-baseline"));
        world.barrier();
        Par.finish();
    }

    /** Runs every payload between ranks 0 and 1 of {@code world}, with the baselines; rank 0 prints the lines. */
    public static void run(Communicator world, double scale, boolean baseline) {
        run(world, scale, baseline, baseline);
    }

    /**
     * @param baseline the engine's raw baselines (Open MPI's bindings, the threads' slots)
     * @param c        C's loop, when {@code jpar bench --engine native} built it ({@link #C_LIBRARY})
     */
    static void run(Communicator world, double scale, boolean baseline, boolean c) {
        String who = "jpar-" + world.engine();
        boolean openmpi = baseline && world.engine().equals("openmpi");
        boolean threads = baseline && world.engine().equals("threads");
        Object raw = openmpi ? Mpi.duplicate(Mpi.constant("COMM_WORLD")) : null;
        List<AtomicReference<Object>> slots = threads ? sharedSlots(world) : null;
        CBaseline cLoop = cBaseline(world, c);
        RawFfm ffm = baseline && world.engine().equals("native") ? RawFfm.load() : null;
        String cName = System.getProperty(C_NAME, "c");
        List<String> chosen = Payloads.chosen();
        for (Payloads.Payload p : Payloads.arrays(scale)) {
            if (chosen != null && !chosen.contains(p.name())) {
                continue;
            }
            byte[] msg = (byte[]) p.value();
            List<AlternatingBatches.Contender> cs = new ArrayList<>();
            byte[] buf = new byte[msg.length];
            cs.add(new AlternatingBatches.Contender(who, () -> arrays(world, msg, buf, p.iterations())));
            if (openmpi) {
                cs.add(new AlternatingBatches.Contender("raw-openmpi-heap",
                        rawOpenMpi(raw, world.rank(), msg, new byte[msg.length], msg.length, p.iterations())));
                int n = msg.length;
                cs.add(new AlternatingBatches.Contender("raw-openmpi-direct",
                        rawOpenMpi(raw, world.rank(), Mpi.newByteBuffer(n), Mpi.newByteBuffer(n), n, p.iterations())));
            }
            if (cLoop != null) {
                cs.add(new AlternatingBatches.Contender(cName, () -> cLoop.pingpong(world.rank(), msg.length,
                        p.iterations())));
            }
            if (ffm != null) {
                cs.add(new AlternatingBatches.Contender("raw-ffm", () -> ffm.pingpong(world.rank(), msg.length,
                        p.iterations())));
            }
            if (threads) {
                byte[] rawBuf = new byte[msg.length];
                cs.add(new AlternatingBatches.Contender("raw-threads", () -> {
                    if (world.rank() < 2) {
                        RawThreadsPingPong.side(world.rank() == 0, slots.get(0), slots.get(1), p.iterations(), msg,
                                rawBuf, null);
                    }
                }));
            }
            print(world, cs, p.name(), p.bytes(), p.iterations(), scale);
        }
        Fory fory = threads ? RawThreadsPingPong.fory() : null; // one per rank: each side encodes and decodes
        for (Payloads.Payload p : Payloads.objects(scale)) {
            if (chosen != null && !chosen.contains(p.name())) {
                continue;
            }
            List<AlternatingBatches.Contender> cs = new ArrayList<>();
            cs.add(new AlternatingBatches.Contender(who, () -> objects(world, p.value(), p.iterations())));
            if (threads) {
                boolean shared = p.value() instanceof String; // immutable: jpar hands it over as it is
                cs.add(new AlternatingBatches.Contender("raw-threads", () -> {
                    if (world.rank() < 2) {
                        RawThreadsPingPong.side(world.rank() == 0, slots.get(0), slots.get(1), p.iterations(),
                                p.value(), null, shared ? null : fory);
                    }
                }));
            }
            long bytes = p.bytes() >= 0 ? p.bytes() : encodedSize(p.value());
            print(world, cs, p.name(), bytes, p.iterations(), scale);
        }
    }

    /**
     * @return the C baseline of {@code jpar bench --engine native} ({@link #C_LIBRARY} names the library it built
     *         with the MPI's mpicc), loaded on every rank (a collective), or null without one. It is loaded through
     *         FFM, so on the native engine, and on the Open MPI engine when the ranks run on JDK 22 or later.
     */
    static CBaseline cBaseline(Communicator world, boolean baseline) {
        String library = System.getProperty(C_LIBRARY);
        String engine = world.engine();
        boolean ffm = engine.equals("native") || engine.equals("openmpi") && Runtime.version().feature() >= 22;
        if (!baseline || library == null || !ffm) {
            return null;
        }
        return CBaseline.load(library);
    }

    /**
     * @return the two slots the raw threads baseline hands messages over in, the same objects at ranks 0 and 1 (the
     *         threads engine's ranks share one JVM, but each has its own classes: the slots travel through the one
     *         thing every class loader shares, the system properties, under a key only this job knows)
     */
    @SuppressWarnings("unchecked")
    private static List<AtomicReference<Object>> sharedSlots(Communicator world) {
        String key = world.broadcast(world.rank() == 0 ? "jpar.bench.slots." + java.util.UUID.randomUUID() : null, 0);
        if (world.rank() == 0) {
            System.getProperties().put(key, List.of(new AtomicReference<>(), new AtomicReference<>()));
        }
        world.barrier();
        List<AtomicReference<Object>> slots = (List<AtomicReference<Object>>) System.getProperties().get(key);
        world.barrier();
        if (world.rank() == 0) {
            System.getProperties().remove(key);
        }
        return slots;
    }

    private static void print(Communicator world, List<AlternatingBatches.Contender> cs, String payload, long bytes,
                              int iterations, double scale) {
        List<AlternatingBatches.Result> rs = AlternatingBatches.run(world, WARMUP, scale, BATCHES, 2.0 * iterations,
                cs);
        if (world.rank() == 0) {
            for (int i = 0; i < rs.size(); i++) {
                String line = Payloads.line(rs.get(i).who(), payload, bytes, rs.get(i).median()) + " "
                        + AlternatingBatches.fields(rs, i);
                System.out.println(line);
                Payloads.record(System.getProperty("jpar.bench.results"), line); // jpar bench --engine native
            }
        }
    }

    /** One batch of {@code iterations} round trips of a byte array, received into a buffer. */
    static void arrays(Communicator c, byte[] msg, byte[] buf, int iterations) {
        if (c.rank() == 0) {
            for (int i = 0; i < iterations; i++) {
                c.send(msg, 1, 0);
                c.receiveInto(buf, 1, 0);
            }
        } else if (c.rank() == 1) {
            for (int i = 0; i < iterations; i++) {
                c.receiveInto(buf, 0, 0);
                c.send(buf, 0, 0);
            }
        }
    }

    /** One batch of {@code iterations} round trips of the object {@code msg}. */
    static void objects(Communicator c, Object msg, int iterations) {
        if (c.rank() == 0) {
            for (int i = 0; i < iterations; i++) {
                c.send(msg, 1, 0);
                c.receive(1, 0);
            }
        } else if (c.rank() == 1) {
            for (int i = 0; i < iterations; i++) {
                Object o = c.receive(0, 0);
                c.send(o, 0, 0);
            }
        }
    }

    /** One batch of the bindings' own ping-pong between ranks 0 and 1 of {@code comm}. */
    private static Runnable rawOpenMpi(Object comm, int rank, Object msg, Object buf, int n, int iterations) {
        Object type = Mpi.constant("BYTE");
        return () -> {
            if (rank == 0) {
                for (int i = 0; i < iterations; i++) {
                    Mpi.send(comm, msg, n, type, 1, 0);
                    Mpi.recv(comm, buf, n, type, 1, 0);
                }
            } else if (rank == 1) {
                for (int i = 0; i < iterations; i++) {
                    Mpi.recv(comm, buf, n, type, 0, 0);
                    Mpi.send(comm, buf, n, type, 0, 0);
                }
            }
        };
    }

    private static long encodedSize(Object value) {
        return new org.jpar.internal.ObjectCodec(PingPong.class.getClassLoader()).encode(value).length;
    }
}
