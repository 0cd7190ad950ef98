package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jpar bench pingpong|jobs --engine mpj} on both devices, briefly: the ping-pong alternates jpar's batches with
 * raw MPJ Express's in the same job and prints best and median with jpar's ratios; the job-layer benchmark runs.
 */
class MpjBenchIT {
    private static final String TIMES = " best_us=[0-9.]+ median_us=[0-9.]+";
    private static final String RATIOS = " jpar_ratio_best=[0-9.]+ jpar_ratio_median=[0-9.]+ jpar_ratio_paired=[0-9.]+";

    @BeforeAll
    static void mpj() {
        MpjTests.requireMpj();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicore", "niodev"})
    void pingpongAlternatesWithRawMpj(String device) throws Exception {
        Jpar.Result r = Jpar.run(600, "bench", "pingpong", "--engine", "mpj", "--device", device, "--scale", "0.002");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (String payload : new String[] {"bytes8", "bytes1K", "bytes64K", "bytes1M"}) {
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.matches("jpar-mpj payload=" + payload + " bytes=[0-9]+ latency_us=[0-9.]+ "
                            + "bandwidth_MBps=[0-9.]+" + TIMES))
                    .anyMatch(l -> l.matches("raw-mpj payload=" + payload + " bytes=[0-9]+ latency_us=[0-9.]+ "
                            + "bandwidth_MBps=[0-9.]+" + TIMES + RATIOS));
        }
        for (String payload : new String[] {"string", "list1000", "integer"}) {
            assertThat(r.out()).as(r.toString())
                    .anyMatch(l -> l.matches("raw-mpj-object payload=" + payload + " .*" + TIMES + RATIOS));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicore", "niodev"})
    void jobs(String device) throws Exception {
        Jpar.Result r = Jpar.run(600, "bench", "jobs", "--engine", "mpj", "--device", device, "--scale", "0.2");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString())
                .anyMatch(l -> l.matches("jpar-mpj jobs fib ranks=2 workers=2 .* speedup=[0-9.]+ .*"))
                .anyMatch(l -> l.startsWith("jpar-mpj jobs tiny tasks="))
                .anyMatch(l -> l.startsWith("jpar-mpj jobs makespan jobs=64"));
    }
}
