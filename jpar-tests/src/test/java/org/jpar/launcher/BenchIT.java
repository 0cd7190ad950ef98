package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jpar bench} on the threads engine, briefly ({@code --scale 0.01}): every benchmark with a baseline alternates
 * it with jpar and prints best and median batches, with jpar's ratios on the baseline's lines.
 */
class BenchIT {
    private static final String TIMES = " best_us=[0-9.]+ median_us=[0-9.]+";
    private static final String RATIOS = " jpar_ratio_best=[0-9.]+ jpar_ratio_median=[0-9.]+ jpar_ratio_paired=[0-9.]+";

    @Test
    void pingpongAlternatesWithTheRawThreadsBaseline() throws Exception {
        Jpar.Result r = Jpar.run(300, "bench", "pingpong", "--scale", "0.01");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (String payload : new String[] {"bytes8", "bytes1K", "bytes64K", "bytes1M", "string", "list1000"}) {
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.matches("jpar-threads payload=" + payload + " bytes=[0-9]+ latency_us=[0-9.]+ "
                            + "bandwidth_MBps=[0-9.]+" + TIMES))
                    .anyMatch(l -> l.matches("raw-threads payload=" + payload + " bytes=[0-9]+ latency_us=[0-9.]+ "
                            + "bandwidth_MBps=[0-9.]+" + TIMES + RATIOS));
        }
    }

    @Test
    void payloadsArePickedByNameAndAMisspeltOneIsOneUsageLine() throws Exception {
        String jpar = Jpar.home().resolve("mpirun-scripts/jpar").toString();
        Jpar.Result r = Jpar.exec(java.util.List.of(jpar, "bench", "pingpong", "--scale", "0.01"),
                java.util.Map.of("JPAR_JAVA_OPTS", "-Djpar.bench.payloads=bytes8,string"), 300);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).filteredOn(l -> l.startsWith("jpar-threads payload="))
                .extracting(l -> l.split(" ")[1]).containsExactly("payload=bytes8", "payload=string");
        r = Jpar.exec(java.util.List.of(jpar, "bench", "pingpong"),
                java.util.Map.of("JPAR_JAVA_OPTS", "-Djpar.bench.payloads=bytes8,bytes2K"), 60);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.equals("jpar: -Djpar.bench.payloads: no payload is "
                + "named 'bytes2K'; choose from bytes8,bytes1K,bytes64K,bytes1M,string,list1000,integer"));
        assertThat(String.join("\n", r.err())).as(r.toString()).doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"allreduce", "bcast", "alltoall"})
    void collectivesOf8BytesAnd1MiB(String bench) throws Exception {
        Jpar.Result r = Jpar.run(300, "bench", bench, "--scale", "0.01", "--no-baseline");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (String bytes : new String[] {"8", "1048576"}) {
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.matches("jpar-threads " + bench + " bytes=" + bytes + " ranks=2" + TIMES));
        }
    }

    @Test
    void collectivesTakeRanksAndAreRefusedByName() throws Exception {
        Jpar.Result r = Jpar.run(300, "bench", "allreduce", "-np", "4", "--scale", "0.01", "--no-baseline");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .anyMatch(l -> l.matches("jpar-threads allreduce bytes=8 ranks=4" + TIMES));
        r = Jpar.run(60, "bench", "allgather");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.contains("unknown benchmark 'allgather': choose "
                + "pingpong, allreduce, bcast, alltoall, ringtest, idle, jobs or codec"));
    }
}
