package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A value of the wrong type for a number option is one message naming the option as typed and what it takes. */
class UsageErrorsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "run -np abc org.jpar.examples.Ring | jpar: -np abc is not a whole number: give the number of ranks, e.g. -np 4",
        "run --np abc org.jpar.examples.Ring | jpar: --np abc is not a whole number: give the number of ranks, e.g. --np 4",
        "run --hang-timeout soon org.jpar.examples.Ring | jpar: --hang-timeout soon is not a number (seconds), e.g. "
                + "--hang-timeout 60",
        "bench pingpong -np two | jpar: -np two is not a whole number: give the number of ranks, e.g. -np 4",
        "bench pingpong --scale big | jpar: --scale big is not a number, e.g. --scale 1",
        "bench ringtest --loops 1.5 | jpar: --loops 1.5 is not a whole number, e.g. --loops 1000",
        "trace --top many x.jsonl | jpar: --top many is not a whole number, e.g. --top 3",
        "run -np 99999999999 org.jpar.examples.Ring | jpar: -np 99999999999 is out of range: give the number of ranks, "
                + "e.g. -np 4",
        "bench pingpong --scale -1 | jpar: --scale -1.0 is out of range: give a factor above 0 and at most 1000 on the "
                + "iteration counts (1 is the default; 0.25 runs a quarter as many)",
        "run -np | jpar: -np needs a value (N): the number of ranks, e.g. -np 4",
        "run --hostfile | jpar: --hostfile needs a value (FILE)",
        "run --hang-timeout 5 org.jpar.examples.Ring | jpar: --hang-timeout is for the MPI engines' hang report: the "
                + "embedded engine stops a deadlocked job by itself, within about a second (-Djpar.threads.deadlockMillis "
                + "sets how long; 0 turns it off)",
        "bench pingpong --scale NaN | jpar: --scale NaN is out of range: give a factor above 0 and at most 1000 on the "
                + "iteration counts (1 is the default; 0.25 runs a quarter as many)",
        "bench bcast -np 0 | jpar: -np 0 is out of range: a benchmark needs at least 1 rank",
        "bench allreduce -np -3 | jpar: -np -3 is out of range: a benchmark needs at least 1 rank",
        "bench pingpong -np 3 | jpar: -np 3: the ping-pong runs between 2 ranks; leave -np out (allreduce, bcast and "
                + "alltoall take other counts)",
        "bench bcast --bytes 100 | jpar: --bytes applies to ringtest only, not bcast: the other benchmarks take --scale "
                + "(and pingpong its payloads, -Djpar.bench.payloads in JPAR_JAVA_OPTS)"})
    void aNumberOptionGivenSomethingElseSaysWhichAndWhatItTakes(String line, String expected) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = Main.execute(line.split(" "));
        } finally {
            System.setErr(err);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\\R");
        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(lines[0]).isEqualTo(expected);
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith("Try 'jpar ");
    }

    /** A bad -Djpar... number (JPAR_JAVA_OPTS reaches the launcher's JVM) is one usage error before any rank starts. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "jpar.threads.spinMicros | abc | run -np 2 org.jpar.examples.Ring | is not a whole number: it sets how long a "
                + "waiting rank of the embedded engine spins before it parks, in microseconds; give a whole number from "
                + "0 to 1000000, or leave it unset for the default",
        "jpar.threads.eagerLimit | -1 | run -np 2 org.jpar.examples.Ring | is out of range: it sets the largest array, "
                + "in bytes, a send of the embedded engine copies and leaves behind; give a whole number from 0 to "
                + "2147483647, or leave it unset for the default",
        "jpar.mpj.startSeconds | 0 | run --engine mpj --device niodev -np 2 org.jpar.examples.Ring | is out of range: "
                + "it sets how long niodev's ranks may take to start, in seconds; give a whole number from 1 to 86400, "
                + "or leave it unset for the default",
        "jpar.hang.timeout | x | run --engine openmpi -np 2 org.jpar.examples.Ring | is not a number of seconds: give "
                + "e.g. 60, or 0 for no hang watch",
        "jpar.hang.timeout | -5 | run -np 2 org.jpar.examples.Ring | is out of range: give seconds, e.g. 60, or 0 for "
                + "no hang watch",
        "jpar.job.workers | -5 | run -np 2 org.jpar.examples.SumPrimes | is out of range: it sets how many local worker "
                + "threads the job layer (Pool, JobServer) runs on each rank; give a whole number from 0 to 4096, or "
                + "leave it unset for the default",
        "jpar.threads.spinMicros | 99999999999999999999 | run -np 2 org.jpar.examples.Ring | is out of range: it sets "
                + "how long a waiting rank of the embedded engine spins before it parks, in microseconds; give a whole "
                + "number from 0 to 1000000, or leave it unset for the default",
        "jpar.threads.deadlockMillis | 1.5 | bench allreduce | is not a whole number: it sets how long every rank of "
                + "the embedded engine must wait before the job is called deadlocked, in milliseconds (0: never); give a "
                + "whole number from 0 to 86400000, or leave it unset for the default"})
    void aBadNumericPropertyIsOneUsageErrorNamingIt(String name, String value, String line, String why) {
        String before = System.getProperty(name);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setProperty(name, value);
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = Main.execute(line.split(" "));
        } finally {
            System.setErr(err);
            if (before == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, before);
            }
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\\R");
        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(lines[0]).isEqualTo("jpar: -D" + name + "=" + value + " " + why);
        assertThat(lines).hasSize(2);
    }
}
