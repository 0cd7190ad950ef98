package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's socket for rank exits leaves nothing behind, even after a launcher killed with SIGKILL. */
class RankExitsTest {
    @Test
    void aNewJobRemovesTheSocketsOfKilledLaunchersAndNoOtherFile(@TempDir Path dir) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createFile(dir.resolve("jpar-0123abcd-" + gone.pid() + ".sock"));
        Path live = Files.createFile(dir.resolve("jpar-0123abcd-" + ProcessHandle.current().pid() + ".sock"));
        Path other = Files.createFile(dir.resolve("jpar-notasock-" + gone.pid() + ".txt"));
        String tmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        Path own;
        try (RankExits exits = RankExits.open(UUID.randomUUID().toString(), 1)) {
            assertThat(exits).isNotNull();
            own = exits.path();
            assertThat(own).exists();
        } finally {
            System.setProperty("java.io.tmpdir", tmp);
        }
        assertThat(stale).doesNotExist();
        assertThat(live).exists();
        assertThat(other).exists();
        assertThat(own).doesNotExist();
    }
}
