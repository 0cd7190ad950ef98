package org.jpar.job;

import java.util.List;

import org.jpar.launcher.Jpar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The job layer's demos on MPJ Express, both devices, through the real launcher script, as a user runs them. */
class MpjJobDemosIT {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicore", "niodev"})
    void parallelFib(String device) throws Exception {
        JobDemosIT.assertFib(Jpar.run(300, "run", "--engine", "mpj", "--device", device, "-np", "2",
                "org.jpar.examples.ParallelFib"), 2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multicore", "niodev"})
    void sumPrimes(String device) throws Exception {
        JobDemosIT.assertSumPrimes(Jpar.run(300, "run", "--engine", "mpj", "--device", device, "-np", "2",
                "org.jpar.examples.SumPrimes"), 2, List.of("rank 0 thread 1", "rank 1"));
    }
}
