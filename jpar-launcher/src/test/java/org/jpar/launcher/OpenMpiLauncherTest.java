package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mpirun command line jpar builds, and its usage errors; a fake Open MPI, so no MPI is needed. */
class OpenMpiLauncherTest {
    @TempDir
    Path tmp;
    private Map<String, String> env;
    private Path jar;

    @BeforeEach
    void fakeOpenMpi() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        for (String tool : new String[] {"mpirun", "ompi_info"}) {
            Path p = bin.resolve(tool);
            Files.writeString(p, "#!/bin/sh\necho \"path:libdir:" + lib + "\"\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        jar = lib.resolve("mpi.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("mpi/MPI.class")); // what the launcher checks for
            out.closeEntry();
        }
        Files.writeString(lib.resolve(System.mapLibraryName("mpi_java")), "");
        env = new HashMap<>(Map.of("PATH", bin.toString()));
    }

    private List<String> command(int ranks, String hostfile, String... options) {
        return new OpenMpiLauncher(env).command(new Engine.Job(ranks, "org.jpar.examples.Ring", List.of("a", "b"),
                null, hostfile, List.of(options)));
    }

    @Test
    void localRunsOversubscribeAndStartEveryRankThroughRankMain() {
        env.put("JPAR_JAVA_OPTS", "-Xmx256m  -Dx=y");
        List<String> cmd = command(6, null);
        assertThat(cmd.get(0)).isEqualTo("mpirun");
        assertThat(cmd).containsSubsequence("--oversubscribe", "-np", "6");
        assertThat(cmd.contains("--allow-run-as-root")).isEqualTo(OpenMpiLauncher.isRoot());
        assertThat(cmd).containsSubsequence("-Xmx256m", "-Dx=y", "-Djpar.openmpi.jar=" + jar, "-cp");
        // the ranks run this JVM's java, quiet on JDK 24+ (no Unsafe or loadLibrary warnings), and the user's options
        // come after jpar's, so they can override them
        assertThat(cmd).containsSubsequence(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dsun.misc.unsafe.memory.access=allow", "-Xmx256m");
        assertThat(cmd.subList(cmd.size() - 4, cmd.size()))
                .containsExactly("org.jpar.engine.openmpi.RankMain", "org.jpar.examples.Ring", "a", "b");
        assertThat(cmd).doesNotContain("--hostfile");
    }

    @Test
    void aHostfileOversubscribesOnlyBeyondItsSlots() throws IOException {
        Path hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "# two hosts\njh1 slots=2\njh2 slots=3 max_slots=4   # comment\n\nlonely\n");
        assertThat(OpenMpiLauncher.slots(hosts)).isEqualTo(6);
        assertThat(command(6, hosts.toString())).containsSubsequence("-np", "6", "--hostfile", hosts.toString())
                .doesNotContain("--oversubscribe");
        assertThat(command(7, hosts.toString())).contains("--oversubscribe");
    }

    @Test
    void theRawBaselineRunsItsMainDirectly() {
        List<String> cmd = command(2, null, OpenMpiLauncher.DIRECT_OPTION);
        assertThat(cmd).doesNotContain("org.jpar.engine.openmpi.RankMain");
        assertThat(cmd.subList(cmd.size() - 3, cmd.size())).containsExactly("org.jpar.examples.Ring", "a", "b");
    }

    @Test
    void everyBadInputGetsOneClearMessage() {
        assertThatThrownBy(() -> command(0, null))
                .isInstanceOf(UsageException.class)
                .hasMessage("-np 0 is out of range: a job needs at least 1 rank");
        assertThatThrownBy(() -> command(2, tmp.resolve("missing-hosts").toString()))
                .hasMessage("--hostfile " + tmp.resolve("missing-hosts") + " does not exist");
        assertThatThrownBy(() -> command(2, null, OpenMpiLauncher.MPI_JAR_OPTION + tmp.resolve("no/mpi.jar")))
                .hasMessageStartingWith("mpi.jar " + tmp.resolve("no/mpi.jar") + " (from --mpi-jar) does not exist");
        assertThatThrownBy(() -> new OpenMpiLauncher(env).command(new Engine.Job(2, "org.example.Missing",
                List.of(), null, null, List.of())))
                .hasMessageStartingWith("main class org.example.Missing was not found on the class path");
        env.put("PATH", tmp.toString());
        assertThatThrownBy(() -> command(2, null))
                .hasMessage("Open MPI is not installed: run mpirun-scripts/install-engines (no mpirun on PATH)");
    }
}
