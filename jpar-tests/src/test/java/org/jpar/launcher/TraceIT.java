package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpar.engine.openmpi.OpenMpiInstallation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timeline (issue 13): {@code jpar run --trace}, on both engines, and {@code jpar trace} with its page. */
class TraceIT {
    /** How far apart two processes' trace times may be (µs): each reads the wall clock once, within a few µs. */
    private static final double CLOCK_ALIGNMENT_US = 20;

    @TempDir
    Path tmp;

    @Test
    void aTraceOfTheRingHasExactlyItsMessagesLinkedOnTheEmbeddedEngine() throws Exception {
        Path f = tmp.resolve("ring.json");
        Jpar.Result r = Jpar.run(120, "run", "--trace", f.toString(), "-np", "4", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).containsExactly("jpar: trace of 8 events written to " + f + " (open it in "
                + "Perfetto or chrome://tracing; 'jpar trace " + f + "' summarizes it and draws it as an HTML page)");
        assertRing(TraceFiles.read(f), 4);
        assertThat(TraceFiles.parts(f)).isEmpty();
    }

    @Test
    void aTraceOfTheRingHasExactlyItsMessagesLinkedUnderMpirun() throws Exception {
        if (OpenMpiInstallation.mpirun(System.getenv()) == null) {
            fail("Open MPI is not installed: run mpirun-scripts/install-engines");
        }
        Path f = tmp.resolve("ring.json");
        Jpar.Result r = Jpar.run(180, "run", "--engine", "openmpi", "--trace", f.toString(), "-np", "3",
                "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: trace of 6 events written to " + f));
        TraceFiles.Trace t = TraceFiles.read(f);
        assertRing(t, 3);
        assertThat(t.hosts()).hasSize(3); // one part per rank's process, merged
    }

    @Test
    void aRankWaitingInItsFirstCollectiveOnTheEmbeddedEngineIsTracedWaiting() throws Exception {
        // the embedded engine's ranks meet inside their first collective to share its slot: that wait is the
        // collective's (it was recorded as a few microseconds, the job as 11 ms long)
        for (String op : List.of("barrier", "allreduce")) {
            Path f = tmp.resolve(op + ".json");
            Jpar.Result r = Jpar.run(120, "run", "--trace", f.toString(), "-np", "2", "--class-path",
                    Jpar.testClasses(), "org.jpar.programs.LateToCollective", op);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            TraceFiles.Trace t = TraceFiles.read(f);
            List<TraceFiles.Event> late = t.events().stream().filter(e -> e.rank() == 1 && e.name().equals(op))
                    .toList();
            assertThat(late).as(r + " " + t.events()).hasSize(1);
            assertThat(late.get(0).dur()).as("rank 1's %s in microseconds: rank 0 came 2 s late", op)
                    .isGreaterThan(1_500_000);
        }
    }

    /**
     * A failing rank halts (MPI_Abort, or niodev's halt), which runs no shutdown hook: its part is written before, so
     * the timeline of the failed job has what the failing rank did (before, its part was missing), and the receive
     * the others were stopped in, unfinished (before, an operation showed only once it ended).
     */
    @Test
    void aFailedJobStillHasTheFailingRanksTimelineUnderMpirunAndNiodev() throws Exception {
        if (OpenMpiInstallation.mpirun(System.getenv()) == null) {
            fail("Open MPI is not installed: run mpirun-scripts/install-engines");
        }
        for (List<String> engine : List.of(List.of("--engine", "openmpi"), List.of("--engine", "mpj", "--device",
                "niodev"))) {
            Path f = tmp.resolve(engine.get(engine.size() - 1) + ".json");
            List<String> args = new ArrayList<>(List.of("run"));
            args.addAll(engine);
            args.addAll(List.of("--trace", f.toString(), "-np", "3", "--class-path", Jpar.testClasses(),
                    "org.jpar.programs.RingThenFail"));
            Jpar.Result r = Jpar.run(180, args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: rank 2 of 3 failed: "));
            assertThat(r.err()).as(r.toString()).anyMatch(l -> l.startsWith("jpar: trace of ")
                    && l.contains(" events written to " + f));
            TraceFiles.Trace t = TraceFiles.read(f);
            assertThat(t.events()).as(r + " " + t.events()).filteredOn(e -> e.rank() == 2)
                    .extracting(TraceFiles.Event::name).contains("send", "receive");
            // the others were stopped in the middle of the ring (niodev: sometimes still in its first send) or waiting
            // for rank 2: the operation shows, unfinished (it was missing before)
            assertThat(t.events()).as(r + " " + t.events()).filteredOn(e -> e.rank() == 0)
                    .extracting(TraceFiles.Event::name).anyMatch(n -> n.endsWith(" (unfinished)"));
            assertThat(TraceFiles.parts(f)).isEmpty();
        }
    }

    /** Exactly one send from each rank to the next and one receive of it there, each pair linked by one flow. */
    private static void assertRing(TraceFiles.Trace t, int n) {
        assertThat(t.events()).extracting(TraceFiles.Event::name).containsOnly("send", "receive");
        List<TraceFiles.Event> sends = t.events().stream().filter(e -> e.name().equals("send")).toList();
        List<TraceFiles.Event> receives = t.events().stream().filter(e -> e.name().equals("receive")).toList();
        assertThat(sends).hasSize(n);
        assertThat(receives).hasSize(n);
        Set<String> expected = new HashSet<>();
        for (int r = 0; r < n; r++) {
            expected.add(r + ">" + (r + 1) % n);
        }
        Set<String> sent = new HashSet<>();
        Map<Long, TraceFiles.Event> byFlow = new HashMap<>();
        for (TraceFiles.Event s : sends) {
            sent.add(s.rank() + ">" + s.peer());
            assertThat(s.tag()).isZero();
            assertThat(s.flow()).as("send %s is linked", s).isNotZero();
            assertThat(byFlow.put(s.flow(), s)).isNull();
        }
        assertThat(sent).isEqualTo(expected);
        List<String> received = new ArrayList<>();
        for (TraceFiles.Event e : receives) {
            TraceFiles.Event s = byFlow.remove(e.flow());
            assertThat(s).as("receive %s is linked to a send", e).isNotNull();
            assertThat(e.rank()).isEqualTo(s.peer());
            assertThat(e.peer()).isEqualTo(s.rank());
            // ranks in other processes agree on time to the alignment of their clocks (Tracer reads them together)
            assertThat(e.end()).isGreaterThanOrEqualTo(s.ts() - CLOCK_ALIGNMENT_US);
            if (e.bytes() >= 0) { // an object's size: known where the engine encodes it, given to its send
                assertThat(s.bytes()).as("bytes of send %s, from its receive", s).isEqualTo(e.bytes());
            }
            received.add(e.peer() + ">" + e.rank());
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void jparTraceSummarizesAndDrawsAPageThatABrowserRuns() throws Exception {
        Path f = tmp.resolve("fib.json");
        Jpar.Result r = Jpar.run(180, "run", "--trace", f.toString(), "-np", "3", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Jpar.Result s = Jpar.run(60, "trace", f.toString());
        assertThat(s.exitCode()).as(s.toString()).isZero();
        assertThat(s.out().get(0)).as(s.toString()).startsWith("3 ranks, ").endsWith("6 events, 3 messages sent "
                + "(3 matched to their receive)");
        assertThat(s.out()).as(s.toString()).anyMatch(l -> l.matches("0 +\\S+ +.* \\(.*%\\) +.* \\(.*%\\) +.*%\\)"))
                .anyMatch(l -> l.matches("  rank 1 waited .* in receive from rank 0 \\(tag 0\\) at \\+.*"))
                .contains("timeline page: " + f + ".html");
        Path page = Path.of(f + ".html");
        String html = Files.readString(page);
        assertThat(html).doesNotContain("http://", "https://"); // self-contained: nothing from the network
        String chromium = Files.isExecutable(Path.of("/usr/bin/chromium")) ? "/usr/bin/chromium" : null;
        if (chromium == null) {
            fail("no chromium to check the page in: run mpirun-scripts/install-engines (it installs Debian's chromium)");
        }
        // the page's script sets the title once it has drawn everything: a script error leaves it unchanged
        Jpar.Result dom = Jpar.exec(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--dump-dom", page.toUri().toString()), 120);
        assertThat(String.join("\n", dom.out())).as(dom.toString()).contains("<title>jpar timeline: 6 events</title>");
        Path png = tmp.resolve("page.png");
        Jpar.Result shot = Jpar.exec(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--window-size=1200,400", "--screenshot=" + png, page.toUri().toString()), 120);
        assertThat(png).as(shot.toString()).exists();
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void aMissingTraceIsAUsageError() throws Exception {
        Jpar.Result s = Jpar.run(60, "trace", tmp.resolve("none.json").toString());
        assertThat(s.exitCode()).isEqualTo(2);
        assertThat(s.err().get(0)).isEqualTo("jpar: cannot read the trace " + tmp.resolve("none.json") + ": no such "
                + "file (write one with 'jpar run --trace " + tmp.resolve("none.json") + " ...')");
    }

    /** JSON that is not a jpar trace is one usage error (was a NullPointerException's or StackOverflowError's trace). */
    @Test
    void aDamagedTraceIsAUsageError() throws Exception {
        for (String json : List.of("{\"traceEvents\":[{\"ph\":\"X\"}]}", "[".repeat(100_000))) {
            Path f = tmp.resolve("damaged.json");
            Files.writeString(f, json);
            Jpar.Result s = Jpar.run(60, "trace", f.toString());
            assertThat(s.exitCode()).as(s.toString()).isEqualTo(2);
            assertThat(s.err()).as(s.toString()).hasSizeLessThanOrEqualTo(2);
            assertThat(s.err().get(0)).as(s.toString()).startsWith("jpar: cannot read the trace " + f + ": ");
        }
    }

    /** A trace that cannot be written is refused before the job runs (was: found after the run, which exited 0). */
    @Test
    void anUnwritableTracePathIsRefusedBeforeTheRun() throws Exception {
        Path f = tmp.resolve("no-such-folder").resolve("t.json");
        Jpar.Result r = Jpar.run(60, "run", "--trace", f.toString(), "-np", "2", "org.jpar.examples.Ring");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).as(r.toString()).isEmpty();
        assertThat(r.err().get(0)).as(r.toString()).startsWith("jpar: --trace " + f + ": cannot write there");
    }
}
