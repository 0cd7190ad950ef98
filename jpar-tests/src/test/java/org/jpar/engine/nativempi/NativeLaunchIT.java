package org.jpar.engine.nativempi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.engine.openmpi.OpenMpiTestsAccess;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Launching the native engine: plain {@code mpirun}/{@code mpiexec.mpich} with the engine chosen automatically, the
 * MPI's own array collectives, {@code jpar run --engine native} on a JDK too old, and a library that is not the
 * launcher's MPI.
 */
class NativeLaunchIT {
    private static final String JDK17 = "/usr/lib/jvm/java-17-openjdk-amd64";

    private static List<String> plain(NativeTests.Mpi mpi, int ranks, List<String> java, String... rest) {
        List<String> cmd = mpi.launch(ranks);
        cmd.addAll(java);
        cmd.addAll(List.of("-cp", OpenMpiTestsAccess.jparJar() + ":" + Jpar.testClasses()));
        cmd.addAll(List.of(rest));
        return cmd;
    }

    /**
     * Plain launcher, JDK 22+, no -Djpar.engine: the native engine (under Open MPI too, where the Java-bindings engine
     * also detects the process), and its array collectives agree with the element-wise kernels at 1 and 3 ranks.
     */
    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void plainLauncherChoosesTheNativeEngineAndItsCollectivesAreRight(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        for (int ranks : new int[] {1, 3}) {
            List<String> cmd = plain(mpi, ranks, NativeTests.java(), "org.jpar.programs.ArrayCollectivesCheck");
            Jpar.Result r = NativeTests.exec(cmd, Map.of(), 600);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).containsExactly("array collectives ok: 600 checks on engine native");
            assertThat(r.err()).as(r.toString()).isEmpty();
        }
    }

    /**
     * Large messages are received straight into Java arrays in critical calls: two threads per rank exchanging them
     * crosswise while a third makes garbage (a small heap, so the collector runs throughout) neither deadlock with
     * the collector nor corrupt a message, on 4 ranks.
     */
    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void largeMessagesIntoJavaArraysSurviveTheCollectorAndThreads(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        List<String> java = new ArrayList<>(NativeTests.java());
        java.add("-Xmx256m");
        Jpar.Result r = NativeTests.exec(plain(mpi, 4, java, "org.jpar.programs.LargeTransfersUnderGc"), Map.of(),
                300);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).containsExactly("large transfers ok: 60 rounds per thread, GC ran");
    }

    /** Plain Open MPI mpirun on JDK 17: the Java-bindings engine, as before the native engine existed. */
    @Test
    void plainMpirunOnJdk17ChoosesTheJavaBindingsEngine() throws Exception {
        NativeTests.require(NativeTests.Mpi.OPENMPI);
        List<String> java = new ArrayList<>(List.of(JDK17 + "/bin/java"));
        java.addAll(Jpar.QUIET_JVM_OPTIONS);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of(java.get(0))), "no JDK 17 here");
        Jpar.Result r = NativeTests.exec(plain(NativeTests.Mpi.OPENMPI, 2, java, "org.jpar.programs.EngineName"),
                Map.of(), 600);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).containsExactly("engine openmpi on 2 ranks");
    }

    /** -Djpar.engine=native on JDK 17: one clear error naming the Java it needs, non-zero. */
    @Test
    void theNativeEngineOnJdk17IsOneClearError() throws Exception {
        NativeTests.require(NativeTests.Mpi.MPICH);
        List<String> java = new ArrayList<>(List.of(JDK17 + "/bin/java"));
        java.addAll(Jpar.QUIET_JVM_OPTIONS);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of(java.get(0))), "no JDK 17 here");
        Jpar.Result r = NativeTests.exec(plain(NativeTests.Mpi.MPICH, 2, java, "org.jpar.examples.Ring"), Map.of(),
                120);
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).filteredOn(l -> l.contains("needs Java 22 or later")).hasSize(1);
        Jpar.Result launcher = Jpar.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run",
                "--engine", "native", "-np", "2", "org.jpar.examples.Ring"), Map.of("JAVA_HOME", JDK17,
                "JPAR_JAR", OpenMpiTestsAccess.jparJar()), 120);
        assertThat(launcher.exitCode()).as(launcher.toString()).isEqualTo(2);
        assertThat(launcher.err().get(0)).as(launcher.toString())
                .startsWith("jpar: --engine native needs Java 22 or later for the ranks");
    }

    /** MPICH's library under Open MPI's mpirun: one clear error naming both, not a hang. */
    @Test
    void aLibraryOfAnotherMpiThanTheLaunchersIsOneClearError() throws Exception {
        NativeTests.require(NativeTests.Mpi.OPENMPI);
        NativeTests.require(NativeTests.Mpi.MPICH);
        List<String> java = new ArrayList<>(NativeTests.java());
        java.add("-Djpar.native.library=libmpich.so.12");
        Jpar.Result r = NativeTests.exec(plain(NativeTests.Mpi.OPENMPI, 2, java, "org.jpar.examples.Ring"), Map.of(),
                120);
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString()).filteredOn(l -> l.contains("was started by Open MPI's launcher, but the "
                + "MPI library libmpich.so.12 is MPICH")).hasSize(1);
    }

    /** split (even and odd ranks, UNDEFINED) and dup through MPI_Comm_split, at 1 to 4 ranks. */
    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void splitAndDupMakeWorkingCommunicators(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        for (int ranks = 1; ranks <= 4; ranks++) {
            Jpar.Result r = NativeTests.exec(plain(mpi, ranks, NativeTests.java(), "org.jpar.programs.SplitCheck"),
                    Map.of(), 300);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as(r.toString()).containsExactly("split ok on " + ranks + " ranks");
        }
    }

    /** jpar run --engine native with each MPI: the ring. */
    @ParameterizedTest
    @EnumSource(NativeTests.Mpi.class)
    void jparRunRunsTheRing(NativeTests.Mpi mpi) throws Exception {
        NativeTests.require(mpi);
        Jpar.Result r = NativeTests.exec(List.of(Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run",
                "--engine", "native", "--mpi", mpi.name, "-np", "3", "org.jpar.examples.Ring"),
                Map.of("JPAR_JAR", OpenMpiTestsAccess.jparJar()), 120);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("Processor 0 received message \"P0P1P2\" from rank 2");
        assertThat(r.err()).as(r.toString()).isEmpty();
    }
}
