package org.jpar.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jpar.bench.CodecBench;
import org.jpar.bench.IdleRanks;
import org.jpar.bench.JobBench;
import org.jpar.bench.PingPong;
import org.jpar.bench.RawOpenMpiPingPong;
import org.jpar.bench.RawThreadsPingPong;
import org.jpar.bench.RingTest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jpar bench pingpong|allreduce|ringtest|idle|jobs|codec}: benchmarks a user can run, next to their raw baselines. */
@Command(name = "bench", mixinStandardHelpOptions = true, separator = " ",
        description = {"Benchmarks, in the spirit of python -m mpi4py.bench:",
            "  pingpong  one-way latency and bandwidth between 2 ranks (byte[] 8 B..1 MiB, a String, a list),",
            "            then the raw baseline of the engine in the same run (native: C and the JNI engine)",
            "  allreduce allreduce(double[], Op.SUM) at 8 B and 1 MiB (native: and C's MPI_Allreduce)",
            "  ringtest  time for a message to go round a ring of N ranks",
            "  idle      heap per idle rank (threads engine)",
            "  jobs      the job layer: fib speedup, 100,000 tiny tasks, makespan of 64 sum_primes jobs",
            "  codec     object messages: a 10-million-element mixed list, a 100,000-node linked list,",
            "            a record with a 129 MiB double[] (seconds per send, 2 ranks)"})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BENCHMARK", description = "pingpong, allreduce, ringtest, idle, jobs or codec")
    String benchmark;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "threads",
            description = "threads (default), openmpi, native or mpj")
    String engine;

    @Option(names = {"-np", "--np"}, paramLabel = "N",
            description = "ranks (pingpong: 2; ringtest: 4; idle: 1024; jobs: 2)")
    Integer ranks;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "1",
            description = "pingpong, jobs: factor on the iteration counts; codec: on the sizes (default: ${DEFAULT-VALUE})")
    double scale;

    @Option(names = "--loops", paramLabel = "L", defaultValue = "1000", description = "ringtest: trips round the ring (default: ${DEFAULT-VALUE})")
    int loops;

    @Option(names = "--bytes", paramLabel = "B", defaultValue = "8", description = "ringtest: message size")
    int bytes;

    @Option(names = "--no-baseline", description = "pingpong: skip the raw baseline")
    boolean noBaseline;

    @Option(names = "--mpi-jar", paramLabel = "JAR", description = "Open MPI's mpi.jar (--engine openmpi)")
    String mpiJar;

    @Option(names = "--mpi", paramLabel = "MPI", description = "the MPI of --engine native: openmpi (default) or mpich")
    String mpi;

    private List<String> options = List.of();

    @Override
    public Integer call() throws Exception {
        Engine e = RunCommand.engine(spec.commandLine(), engine);
        options = RunCommand.engineOptions(spec.commandLine(), e, mpiJar, mpi);
        if (e instanceof NativeLauncher && (benchmark.equals("pingpong") || benchmark.equals("allreduce"))) {
            return NativeBench.run(benchmark, e, options, scale);
        }
        switch (benchmark) {
            case "allreduce":
                return e.run(job(ranks == null ? 2 : ranks, org.jpar.bench.AllreduceBench.class,
                        Double.toString(scale)));
            case "pingpong": {
                int code = e.run(job(ranks == null ? 2 : ranks, PingPong.class, Double.toString(scale)));
                if (code == 0 && !noBaseline && e instanceof ThreadsLauncher) {
                    RawThreadsPingPong.run(scale);
                }
                if (code == 0 && !noBaseline && e instanceof OpenMpiLauncher) {
                    // raw Open MPI Java bindings, same payloads: a second mpirun job, without jpar in the ranks
                    List<String> raw = new ArrayList<>(options);
                    raw.add(OpenMpiLauncher.DIRECT_OPTION);
                    code = e.run(new Engine.Job(2, RawOpenMpiPingPong.class.getName(),
                            List.of(Double.toString(scale)), null, null, raw));
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
                        "unknown benchmark '" + benchmark + "': choose pingpong, allreduce, ringtest, idle, jobs or codec");
        }
    }

    private Engine.Job job(int ranks, Class<?> main, String... args) {
        return new Engine.Job(ranks, main.getName(), new ArrayList<>(List.of(args)), null, null, options);
    }
}
