package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * niodev ranks that fail while they start, before they join the job: the job ends at once (not after the start
 * timeout, 60 s by default), with exit code 1, the rank named and its own error shown, and no word of a remote shell
 * (the ranks run on this machine).
 */
class MpjNiodevStartFailuresIT {
    private static final long TIMEOUT_SECONDS = 120;
    /** Well under the start timeout (60 s), which the job used to wait out. */
    private static final long PROMPT_MILLIS = 30_000;

    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    /**
     * niodev.jar readable as a jar, but with a damaged class that MPI.Init loads in its own thread: every rank used to
     * wait for MPJ's rendezvous message for ever (the error unseen), the launcher for 60 s, then blamed ssh.
     */
    @Test
    void aDamagedClassInMpiInitFailsTheRankAtOnceWithItsError(@TempDir Path dir) throws Exception {
        Path home = damagedHome(dir, "niodev.jar", "xdev/niodev/NIODevice.class");
        Jpar.Result r = ring(home);
        assertPromptStartFailure(r);
        assertThat(String.join("\n", r.err())).as(r.toString())
                .contains("MPJ Express's MPI.Init failed", "xdev/niodev/NIODevice", "--mpj-home")
                .doesNotContain("could not join"); // the launcher's connection was fine
    }

    /** mpi.jar readable as a jar, with a damaged mpi/MPI.class: the same, from the loading of MPJ itself. */
    @Test
    void aDamagedMpiClassFailsTheRankAtOnceWithItsError(@TempDir Path dir) throws Exception {
        Path home = damagedHome(dir, "mpi.jar", "mpi/MPI.class");
        Jpar.Result r = ring(home);
        assertPromptStartFailure(r);
        assertThat(String.join("\n", r.err())).as(r.toString()).contains("mpi/MPI");
    }

    private static void assertPromptStartFailure(Jpar.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.millis()).as(r.toString()).isLessThan(PROMPT_MILLIS);
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.matches("jpar: rank [01] of 2 failed: .*"));
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.matches("jpar: rank [01] of 2 on localhost ended with "
                + "exit code 1 during start-up, before it joined the job.*"));
        assertThat(String.join("\n", r.err())).as(r.toString()).doesNotContain("remote shell", "ssh",
                "did not start within");
        assertThat(r.out()).as(r.toString()).isEmpty();
    }

    private static Jpar.Result ring(Path home) throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = MpjTests.jparRun("niodev", 2);
        cmd.addAll(List.of("--mpj-home", home.toString(), "org.jpar.examples.Ring"));
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", marker), TIMEOUT_SECONDS);
        assertThat(MpjTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
        return r;
    }

    /** @return a copy of this machine's MPJ home whose {@code jar} has {@code entry} replaced by bytes that are no class */
    private static Path damagedHome(Path dir, String jar, String entry) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path real = MpjInstallation.locate(null, System.getenv()).home().resolve("lib");
        try (var jars = Files.list(real)) {
            for (Path j : jars.toList()) {
                if (!j.getFileName().toString().equals(jar)) {
                    Files.copy(j, lib.resolve(j.getFileName()));
                }
            }
        }
        boolean found = false;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(real.resolve(jar)));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(lib.resolve(jar)))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.putNextEntry(new ZipEntry(e.getName()));
                if (e.getName().equals(entry)) {
                    found = true;
                    out.write(new byte[] {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 'n', 'o', ' ', 'c', 'l',
                        'a', 's', 's'});
                } else {
                    copy(in, out);
                }
                out.closeEntry();
            }
        }
        assertThat(found).as(entry + " in " + real.resolve(jar)).isTrue();
        return dir;
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        in.transferTo(out);
    }
}
