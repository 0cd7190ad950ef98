package org.jpar.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jpar.bench.CodecBench;
import org.jpar.bench.CollectiveBench;
import org.jpar.bench.IdleRanks;
import org.jpar.bench.JobBench;
import org.jpar.bench.MpjPingPong;
import org.jpar.bench.PingPong;
import org.jpar.bench.RawOpenMpiCollectives;
import org.jpar.bench.RingTest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jpar bench pingpong|allreduce|bcast|alltoall|ringtest|idle|jobs|codec}: benchmarks a user can run, next to
 * their raw baselines.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, separator = " ",
        description = {"Benchmarks, in the spirit of python -m mpi4py.bench.",
            "BENCHMARK is one of:",
            "  pingpong  one-way latency and bandwidth between 2 ranks (byte[] 8 B to",
            "            1 MiB, a String, a list), alternating batch by batch with the",
            "            engine's raw baseline",
            "  allreduce, bcast, alltoall",
            "            one collective on double[] of 8 B and 1 MiB (default 2 ranks),",
            "            alternating batch by batch with the engine's raw collective",
            "            (Open MPI: its Java bindings' own, heap arrays and direct",
            "            buffers); threads: then Open MPI's, alone, if installed",
            "  ringtest  time for a message to go round a ring of N ranks",
            "  idle      heap per idle rank (threads engine)",
            "  jobs      the job layer: fib speedup, 100,000 tiny tasks, makespan of",
            "            64 sum_primes jobs",
            "  codec     object messages: a 10-million-element mixed list, a",
            "            100,000-node linked list, a record with a 129 MiB double[]",
            "            (seconds per send, 2 ranks)",
            "Each line gives best_us and median_us (the slowest rank's batch, per",
            "operation); baseline lines add jpar_ratio_best and jpar_ratio_median",
            "(jpar's time over the baseline's) and jpar_ratio_paired (the median of the",
            "rounds' ratios: batches run back to back, so it resists noise)."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BENCHMARK", description = "pingpong, allreduce, bcast, alltoall, ringtest, idle, jobs or codec")
    String benchmark;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "threads",
            description = "threads (default), openmpi, mpj or native")
    String engine;

    @Option(names = {"-np", "--np"}, paramLabel = "N",
            description = "ranks (pingpong, allreduce, bcast, alltoall: 2; ringtest: 4; idle: 1024; jobs: 2)")
    Integer ranks;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "1",
            description = "pingpong, collectives, jobs: factor on the iteration counts; codec: on the sizes "
                    + "(default: ${DEFAULT-VALUE})")
    double scale;

    @Option(names = "--loops", paramLabel = "L", defaultValue = "1000",
            description = "ringtest: trips round the ring (default: ${DEFAULT-VALUE})")
    int loops;

    @Option(names = "--bytes", paramLabel = "B", defaultValue = "8", description = "ringtest: message size")
    int bytes;

    @Option(names = "--no-baseline", description = "pingpong, collectives: skip the raw baseline")
    boolean noBaseline;

    @Option(names = "--mpi-jar", paramLabel = "JAR", description = "Open MPI's mpi.jar (--engine openmpi)")
    String mpiJar;

    @Option(names = "--device", paramLabel = "DEVICE", description = "MPJ Express's device (--engine mpj): multicore "
            + "(default) or niodev")
    String device;

    @Option(names = "--mpj-home", paramLabel = "DIR", description = "MPJ Express's home (--engine mpj)")
    String mpjHome;

    @Option(names = "--mpi", paramLabel = "MPI", description = "the MPI of --engine native: openmpi (default) or mpich")
    String mpi;

    private List<String> options = List.of();

    @Override
    public Integer call() throws Exception {
        if (!(scale > 0 && scale <= 1000)) { // NaN fails both
            throw new UsageException("--scale " + scale + " is out of range: give a factor above 0 and at most 1000 "
                    + "on the iteration counts (1 is the default; 0.25 runs a quarter as many)");
        }
        if (ranks != null && ranks < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "-np " + ranks + " is out of range: a benchmark needs at least 1 rank");
        }
        if (ranks != null && ranks != 2 && benchmark.equals("pingpong")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-np " + ranks + ": the ping-pong runs "
                    + "between 2 ranks; leave -np out (allreduce, bcast and alltoall take other counts)");
        }
        for (String ringOnly : List.of("--loops", "--bytes")) {
            if (!benchmark.equals("ringtest") && spec.commandLine().getParseResult().hasMatchedOption(ringOnly)) {
                throw new CommandLine.ParameterException(spec.commandLine(), ringOnly + " applies to ringtest only, "
                        + "not " + benchmark + ": the other benchmarks take --scale (and pingpong its payloads, "
                        + "-Djpar.bench.payloads in JPAR_JAVA_OPTS)");
            }
        }
        RunCommand.checkSettings();
        Engine e = RunCommand.engine(spec.commandLine(), engine);
        options = RunCommand.engineOptions(spec.commandLine(), e, mpiJar, device, mpjHome, mpi);
        if (benchmark.equals("pingpong")) {
            try { // JPAR_JAVA_OPTS reaches this JVM too: a misspelt payload is one line here, not a failed rank
                org.jpar.bench.Payloads.chosen("integer");
            } catch (org.jpar.JparException bad) {
                throw new UsageException(bad.getMessage());
            }
        }
        if (e instanceof NativeLauncher && !noBaseline && (benchmark.equals("pingpong")
                || CollectiveBench.KINDS.contains(benchmark))) {
            // with C (and the JNI engine) in the same run
            return NativeBench.run(benchmark, options, scale, ranks == null ? 2 : ranks);
        }
        switch (benchmark) {
            case "pingpong":
                if (e instanceof MpjLauncher) {
                    // jpar and raw MPJ Express in the same job: the same JVMs, the same device
                    return e.run(job(ranks == null ? 2 : ranks, noBaseline ? PingPong.class : MpjPingPong.class,
                            Double.toString(scale)));
                }
                // the raw baseline runs in the same ranks, batch by batch in turn with jpar's
                return e.run(job(ranks == null ? 2 : ranks, PingPong.class, Double.toString(scale),
                        noBaseline ? "no-baseline" : "baseline"));
            case "allreduce":
            case "bcast":
            case "alltoall": {
                int np = ranks == null ? 2 : ranks;
                String s = Double.toString(scale);
                int code = e.run(job(np, CollectiveBench.class, benchmark, s));
                if (code == 0 && !noBaseline && e instanceof ThreadsLauncher) {
                    // Open MPI's own collective for comparison: a separate mpirun job, when Open MPI is installed
                    Engine openmpi = RunCommand.engine(spec.commandLine(), "openmpi");
                    if (openmpi instanceof OpenMpiLauncher && openMpiInstalled()) {
                        code = openmpi.run(new Engine.Job(np, RawOpenMpiCollectives.class.getName(),
                                List.of(benchmark, s), null, null, List.of(OpenMpiLauncher.DIRECT_OPTION)));
                    } else {
                        System.out.println("(no Open MPI installation here: its raw collectives were not run)");
                    }
                }
                return code;
            }
            case "ringtest":
                return e.run(job(ranks == null ? 4 : ranks, RingTest.class, Integer.toString(loops),
                        Integer.toString(bytes)));
            case "idle":
                if (!(e instanceof ThreadsLauncher)) {
                    throw new UsageException("bench idle measures the threads engine only");
                }
                long baseline = IdleRanks.heapUsedAfterGc();
                return e.run(job(ranks == null ? 1024 : ranks, IdleRanks.class, Long.toString(baseline)));
            case "codec":
                return e.run(job(ranks == null ? 2 : ranks, CodecBench.class, Double.toString(scale)));
            case "jobs":
                return e.run(job(ranks == null ? 2 : ranks, JobBench.class, Double.toString(scale)));
            default:
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "unknown benchmark '" + benchmark + "': choose pingpong, allreduce, bcast, alltoall, ringtest, idle, "
                                + "jobs or codec");
        }
    }

    /** @return true if {@code mpirun} and a matching {@code mpi.jar} are here */
    private static boolean openMpiInstalled() {
        if (org.jpar.engine.openmpi.OpenMpiInstallation.mpirun(System.getenv()) == null) {
            return false;
        }
        try {
            org.jpar.engine.openmpi.OpenMpiInstallation.locate(null, System.getenv());
            return true;
        } catch (org.jpar.JparException e) {
            return false;
        }
    }

    private Engine.Job job(int ranks, Class<?> main, String... args) {
        return new Engine.Job(ranks, main.getName(), new ArrayList<>(List.of(args)), null, null, options);
    }
}
