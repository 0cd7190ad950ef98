package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ring across two hosts over TCP: hosts simulated with network namespaces ({@code mpirun-scripts/netns-cluster}),
 * a hostfile naming them, {@code jpar run --engine openmpi --hostfile}. The namespaces and their {@code /etc/hosts}
 * lines are removed afterwards, also when the test fails. Needs root and {@code ip netns}; skipped (with the reason)
 * otherwise.
 */
class OpenMpiClusterIT {
    @TempDir
    Path tmp;

    @BeforeAll
    static void openMpiAndNamespaces() throws Exception {
        OpenMpiTests.requireOpenMpi();
        Assumptions.assumeTrue(OpenMpiTests.isRoot(), "the cluster test creates network namespaces: it needs root");
        Jpar.Result ip = OpenMpiTests.exec(List.of("ip", "netns", "list"), Map.of(), 30);
        Assumptions.assumeTrue(ip.exitCode() == 0, "'ip netns' is not available here: " + ip);
    }

    @Test
    void theRingRunsAcrossTwoHosts() throws Exception {
        String cluster = Jpar.home().resolve("mpirun-scripts/netns-cluster").toString();
        Path hostfile = tmp.resolve("hosts");
        Files.writeString(hostfile, "jh1 slots=2\njh2 slots=2\n");
        try {
            Jpar.Result up = OpenMpiTests.exec(List.of(cluster, "up", "2"), Map.of(), 120);
            assertThat(up.exitCode()).as(up.toString()).isZero();
            Jpar.Result r = OpenMpiTests.exec(List.of(cluster, "run", "--",
                    Jpar.home().resolve("mpirun-scripts/jpar").toString(), "run", "--engine", "openmpi", "-np", "4",
                    "--hostfile", hostfile.toString(), "org.jpar.examples.Ring"),
                    Map.of("JPAR_JAR", OpenMpiTests.jparJar()), 300);
            Set<String> nodes = new HashSet<>();
            OpenMpiLaunchIT.assertRingOutput(r, nodes);
            assertThat(nodes).as(r.toString()).containsExactlyInAnyOrder("jh1", "jh2");
            assertThat(r.out()).contains("I am rank 0 of 4 on node jh1", "I am rank 1 of 4 on node jh1",
                    "I am rank 2 of 4 on node jh2", "I am rank 3 of 4 on node jh2");
        } finally {
            Jpar.Result down = OpenMpiTests.exec(List.of(cluster, "down"), Map.of(), 120);
            assertThat(down.exitCode()).as(down.toString()).isZero();
            Jpar.Result status = OpenMpiTests.exec(List.of(cluster, "status"), Map.of(), 60);
            assertThat(status.out()).containsExactly("no cluster");
            assertThat(Files.readString(Path.of("/etc/hosts"))).doesNotContain("jpar-netns-cluster");
        }
    }
}
