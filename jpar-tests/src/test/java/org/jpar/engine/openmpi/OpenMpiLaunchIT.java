package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both ways to start a program on Open MPI, end to end: {@code jpar run --engine openmpi} and plain
 * {@code mpirun java -cp jpar.jar}; a failing rank stops the job (promptly, named, nothing left running); usage
 * errors; the benchmarks.
 */
class OpenMpiLaunchIT {
    private static final Pattern HELLO = Pattern.compile("I am rank (\\d) of 4 on node (\\S+)");

    @TempDir
    Path tmp;

    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    private static Jpar.Result jpar(Map<String, String> env, long timeout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Jpar.home().resolve("mpirun-scripts/jpar").toString());
        cmd.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("JPAR_JAR", OpenMpiTests.jparJar());
        return OpenMpiTests.exec(cmd, e, timeout);
    }

    /**
     * {@code mpirun -np N java --enable-native-access=ALL-UNNAMED -Dsun.misc.unsafe.memory.access=allow ARGS}: the
     * bare command as the README shows it for any JDK (the two options are needed on JDK 24+), with the JDK under test.
     */
    private static List<String> plainMpirun(int ranks, String... javaArgs) {
        List<String> cmd = new ArrayList<>(List.of("mpirun", "-np", Integer.toString(ranks)));
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of(javaArgs));
        return cmd;
    }

    /** The environment a user sets to type the bare mpirun command as root on a 2-core machine. */
    private static Map<String, String> plainMpirunEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("OMPI_MCA_rmaps_base_oversubscribe", "1");
        if (OpenMpiTests.isRoot()) {
            env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
            env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        }
        return env;
    }

    static void assertRingOutput(Jpar.Result r, Set<String> nodes) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).hasSize(5)
                .containsOnlyOnce("Processor 0 received message \"P0P1P2P3\" from rank 3");
        Set<String> ranks = new HashSet<>();
        for (String line : r.out()) {
            Matcher m = HELLO.matcher(line);
            if (m.matches()) {
                ranks.add(m.group(1));
                nodes.add(m.group(2));
            }
        }
        assertThat(ranks).as(r.toString()).containsExactlyInAnyOrder("0", "1", "2", "3");
    }

    @Test
    void ringWithJparRun() throws Exception {
        Jpar.Result r = jpar(Map.of(), 120, "run", "--engine", "openmpi", "-np", "4", "org.jpar.examples.Ring");
        Set<String> nodes = new HashSet<>();
        assertRingOutput(r, nodes);
        assertThat(nodes).hasSize(1);
        assertThat(r.err()).as(r.toString()).isEmpty();
    }

    @Test
    void ringWithPlainMpirun() throws Exception {
        // exactly what a user types: mpirun -np 4 java [the two options for JDK 24+] -cp target/jpar.jar MAIN
        List<String> cmd = plainMpirun(4, "-cp", OpenMpiTests.jparJar(), "org.jpar.examples.Ring");
        Jpar.Result r = OpenMpiTests.exec(cmd, plainMpirunEnv(), 120);
        Set<String> nodes = new HashSet<>();
        assertRingOutput(r, nodes);
        assertThat(r.err()).as(r.toString()).isEmpty();
    }

    @Test
    void aFailingRankStopsTheJobUnderJparRun() throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        Jpar.Result r = jpar(Map.of("JPAR_JAVA_OPTS", marker), 120, "run", "--engine", "openmpi", "-np", "4",
                "--class-path", Jpar.testClasses(), "org.jpar.programs.FailingRank");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString())
                .contains("jpar: rank 3 of 4 failed: java.lang.IllegalStateException: boom in rank 3")
                .anyMatch(l -> l.contains("at org.jpar.programs.FailingRank.main(FailingRank.java"));
        assertThat(r.err()).last().isEqualTo("jpar: the job was stopped (mpirun exited with code 1)");
        assertThat(r.millis()).as(r.toString()).isLessThan(30_000);
        assertThat(OpenMpiTests.leftovers(marker, 5000)).isEmpty();
    }

    @Test
    void aFailingRankStopsTheJobUnderPlainMpirun() throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = plainMpirun(4, marker, "-cp", OpenMpiTests.jparJar() + ":" + Jpar.testClasses(),
                "org.jpar.programs.FailingRank", "1");
        Jpar.Result r = OpenMpiTests.exec(cmd, plainMpirunEnv(), 120);
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString())
                .contains("jpar: rank 1 of 4 failed: java.lang.IllegalStateException: boom in rank 1")
                .anyMatch(l -> l.contains("at org.jpar.programs.FailingRank.main(FailingRank.java"));
        assertThat(r.millis()).as(r.toString()).isLessThan(30_000);
        assertThat(OpenMpiTests.leftovers(marker, 5000)).isEmpty();
    }

    @Test
    void systemExitInOneRankStopsTheWholeJob() throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        Jpar.Result r = jpar(Map.of("JPAR_JAVA_OPTS", marker), 120, "run", "--engine", "openmpi", "-np", "3",
                "--class-path", Jpar.testClasses(), "org.jpar.programs.ExitingRank");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: rank 1 of 3 called System.exit "
                + "before Par.finish(), while other ranks may still run; the job is stopped."));
        assertThat(OpenMpiTests.leftovers(marker, 5000)).isEmpty();
    }

    @Test
    void argumentsPassThroughAndEveryRankHasItsOwnProcess() throws Exception {
        Jpar.Result r = jpar(Map.of(), 120, "run", "--engine", "openmpi", "-np", "3", "--class-path",
                Jpar.testClasses(), "org.jpar.programs.EchoArgs", "--engine", "x y", "-np");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsExactlyInAnyOrder("rank 0 args [--engine, x y, -np]",
                "rank 1 args [--engine, x y, -np]", "rank 2 args [--engine, x y, -np]");
        r = jpar(Map.of(), 120, "run", "--engine", "openmpi", "-np", "3", "--class-path", Jpar.testClasses(),
                "org.jpar.programs.StaticCounter");
        assertThat(r.out()).as(r.toString()).containsExactlyInAnyOrder("rank 0 counter 1", "rank 1 counter 1",
                "rank 2 counter 1");
    }

    @Test
    void badInputsGetOneClearMessage() throws Exception {
        Jpar.Result r = jpar(Map.of(), 60, "run", "--engine", "openmpi", "-np", "2", "--hostfile",
                tmp.resolve("hosts").toString(), "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).containsExactly("jpar: --hostfile " + tmp.resolve("hosts") + " does not exist",
                "Try 'jpar run --help' for more information.");
        r = jpar(Map.of(), 60, "run", "--engine", "openmpi", "-np", "0", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).first().isEqualTo("jpar: -np 0 is out of range: a job needs at least 1 rank");
        r = jpar(Map.of(), 60, "run", "--engine", "openmpi", "--mpi-jar", tmp.resolve("mpi.jar").toString(),
                "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).first().isEqualTo("jpar: mpi.jar " + tmp.resolve("mpi.jar") + " (from --mpi-jar) does not "
                + "exist; give the mpi.jar of your Open MPI installation (built with --enable-mpi-java), or run "
                + "mpirun-scripts/install-engines");
        r = jpar(Map.of(), 60, "run", "--mpi-jar", tmp.resolve("mpi.jar").toString(), "org.jpar.examples.Ring");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).first().isEqualTo("jpar: --mpi-jar needs --engine openmpi");
        r = jpar(Map.of(), 60, "run", "--engine", "openmpi", "-np", "2", "org.jpar.examples.NoSuchMain");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).first().asString().startsWith("jpar: main class org.jpar.examples.NoSuchMain was not "
                + "found on the class path");
        r = OpenMpiTests.exec(plainMpirun(1, "-Djpar.openmpi.jar=" + tmp.resolve("nope.jar"),
                "-cp", OpenMpiTests.jparJar(), "org.jpar.examples.Ring"), plainMpirunEnv(), 60);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.contains("mpi.jar " + tmp.resolve("nope.jar")
                + " (from -Djpar.openmpi.jar) does not exist"));
        Files.writeString(tmp.resolve("mpi.jar"), "not a jar");
        r = OpenMpiTests.exec(plainMpirun(1, "-Djpar.openmpi.jar=" + tmp.resolve("mpi.jar"),
                "-cp", OpenMpiTests.jparJar(), "org.jpar.examples.Ring"), plainMpirunEnv(), 60);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.contains(tmp.resolve("mpi.jar")
                + " does not have the API of Open MPI's Java bindings"));
    }

    @Test
    void theBenchmarksRunWithTheRawBaseline() throws Exception {
        Jpar.Result r = jpar(Map.of(), 300, "bench", "pingpong", "--engine", "openmpi", "--scale", "0.01");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String times = " best_us=[0-9.]+ median_us=[0-9.]+";
        String ratios = " jpar_ratio_best=[0-9.]+ jpar_ratio_median=[0-9.]+ jpar_ratio_paired=[0-9.]+";
        for (String who : new String[] {"jpar-openmpi", "raw-openmpi-heap", "raw-openmpi-direct"}) {
            for (String payload : new String[] {"bytes8", "bytes1K", "bytes64K", "bytes1M"}) {
                String tail = times + (who.startsWith("raw") ? ratios : "");
                assertThat(r.out()).as(r.toString()).anyMatch(l -> l.matches(who + " payload=" + payload
                        + " bytes=[0-9]+ latency_us=[0-9.]+ bandwidth_MBps=[0-9.]+" + tail));
            }
        }
        assertThat(r.out()).anyMatch(l -> l.startsWith("jpar-openmpi payload=string bytes=16 "))
                .anyMatch(l -> l.startsWith("jpar-openmpi payload=list1000 "));
        r = jpar(Map.of(), 120, "bench", "ringtest", "--engine", "openmpi", "-np", "3", "--loops", "20");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).anyMatch(l -> l.startsWith("jpar-openmpi ringtest ranks=3 bytes=8 loops=20 "));
    }

    /** jpar's collectives alternate with the bindings' own in the same ranks, at 2 and 4 ranks. */
    @ParameterizedTest(name = "{0} at {1} ranks")
    @CsvSource({"allreduce, 2", "bcast, 2", "alltoall, 2", "allreduce, 4", "alltoall, 4"})
    void theCollectiveBenchmarksRunWithTheRawCollectives(String bench, int ranks) throws Exception {
        Jpar.Result r = jpar(Map.of(), 300, "bench", bench, "--engine", "openmpi", "-np", Integer.toString(ranks),
                "--scale", "0.01");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String times = " best_us=[0-9.]+ median_us=[0-9.]+";
        String ratios = " jpar_ratio_best=[0-9.]+ jpar_ratio_median=[0-9.]+ jpar_ratio_paired=[0-9.]+";
        for (String bytes : new String[] {"8", "1048576"}) {
            String head = " " + bench + " bytes=" + bytes + " ranks=" + ranks;
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.matches("jpar-openmpi" + head + times))
                    .anyMatch(l -> l.matches("raw-openmpi-heap" + head + times + ratios))
                    .anyMatch(l -> l.matches("raw-openmpi-direct" + head + times + ratios));
        }
    }

    /** The threads engine's collective benchmark is followed by Open MPI's own collective, alone. */
    @Test
    void theThreadsCollectiveBenchmarkIsFollowedByOpenMpisOwn() throws Exception {
        Jpar.Result r = jpar(Map.of(), 300, "bench", "allreduce", "--scale", "0.01");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .anyMatch(l -> l.matches("jpar-threads allreduce bytes=8 ranks=2 best_us=[0-9.]+ median_us=[0-9.]+"))
                .anyMatch(l -> l.matches("raw-openmpi-heap allreduce bytes=8 ranks=2 best_us=[0-9.]+ median_us=[0-9.]+"))
                .anyMatch(l -> l.matches(
                        "raw-openmpi-direct allreduce bytes=1048576 ranks=2 best_us=[0-9.]+ median_us=[0-9.]+"));
    }
}
