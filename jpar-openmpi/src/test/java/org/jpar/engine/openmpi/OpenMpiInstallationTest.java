package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.jpar.JparException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where mpi.jar is looked for, and what is said when it is not there; fake installations, no MPI needed. */
class OpenMpiInstallationTest {
    @TempDir
    Path tmp;

    @Test
    void noOpenMpiAtAllSaysToRunTheInstallScript() {
        assertThatThrownBy(() -> OpenMpiInstallation.locate(null, Map.of("PATH", tmp.toString())))
                .isInstanceOf(JparException.class)
                .hasMessageStartingWith("Open MPI is not installed: run mpirun-scripts/install-engines (neither "
                        + "ompi_info nor mpirun is on PATH)");
    }

    @Test
    void theJarIsFoundThroughOmpiInfoWithTheNativeLibraryNextToIt() throws IOException {
        Path lib = fakeInstallation(true);
        OpenMpiInstallation i = OpenMpiInstallation.locate(null, Map.of("PATH", tmp.resolve("bin").toString()));
        assertThat(i.jar()).isEqualTo(lib.resolve("mpi.jar"));
        assertThat(i.nativeLibrary()).isEqualTo(lib.resolve(System.mapLibraryName("mpi_java")));
    }

    @Test
    void aMissingJarNamesWhereItLookedAndWhatToDo() throws IOException {
        Path lib = fakeInstallation(false);
        assertThatThrownBy(() -> OpenMpiInstallation.locate(null, Map.of("PATH", tmp.resolve("bin").toString())))
                .isInstanceOf(JparException.class)
                .hasMessageStartingWith("Open MPI's Java bindings (mpi.jar) were not found: looked at "
                        + lib.resolve("mpi.jar") + " (from ompi_info --path libdir and the mpirun on PATH)")
                .hasMessageContaining("Run mpirun-scripts/install-engines")
                .hasMessageContaining("--mpi-jar, -Djpar.openmpi.jar or JPAR_OPENMPI_JAR");
    }

    @Test
    void anExplicitJarWinsAndAMissingOneIsAnErrorNamingItsSource() throws IOException {
        fakeInstallation(true);
        Path mine = Files.createDirectories(tmp.resolve("mine")).resolve("mpi.jar");
        Files.writeString(mine, "not really a jar");
        Map<String, String> env = Map.of("PATH", tmp.resolve("bin").toString(), OpenMpiInstallation.JAR_ENV,
                tmp.resolve("nowhere/mpi.jar").toString());
        assertThat(OpenMpiInstallation.locate(mine.toString(), env).jar()).isEqualTo(mine);
        assertThatThrownBy(() -> OpenMpiInstallation.locate(null, env))
                .hasMessage("mpi.jar " + tmp.resolve("nowhere/mpi.jar") + " (from JPAR_OPENMPI_JAR) does not exist; "
                        + "give the mpi.jar of your Open MPI installation (built with --enable-mpi-java), or run "
                        + "mpirun-scripts/install-engines");
        // the native library is searched next to the jar first, then in the installation's libdir
        OpenMpiInstallation i = OpenMpiInstallation.locate(mine.toString(), env);
        assertThat(i.nativeLibrary()).isEqualTo(tmp.resolve("lib").resolve(System.mapLibraryName("mpi_java")));
    }

    /** bin/ompi_info (answering --path libdir), bin/mpirun, lib/libmpi_java.so and, if asked, lib/mpi.jar. */
    private Path fakeInstallation(boolean withJar) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        script(bin.resolve("ompi_info"), "#!/bin/sh\necho \"path:libdir:" + lib + "\"\n");
        script(bin.resolve("mpirun"), "#!/bin/sh\nexit 0\n");
        Files.writeString(lib.resolve(System.mapLibraryName("mpi_java")), "");
        if (withJar) {
            Files.writeString(lib.resolve("mpi.jar"), "");
        }
        return lib;
    }

    private static void script(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
