package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exceptions that are hard to describe or to encode, workers that are all gone, callbacks that throw: each ends as
 * its job's failure (or a clear error, or a log line), the server carries on, and nothing waits for ever. Every wait
 * here is bounded, so a regression fails instead of hanging.
 */
@Timeout(180)
class HostileFailuresTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Its message cannot be read: getMessage() (and so toString()) throws. */
    static final class Hostile extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("getMessage is broken");
        }
    }

    /** Its message throws an Error. */
    static final class AssertingMessage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new AssertionError("no message for you");
        }
    }

    /** Not even its stack trace can be read. */
    static final class Opaque extends RuntimeException {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            throw new Hostile();
        }

        @Override
        public StackTraceElement[] getStackTrace() {
            throw new Hostile();
        }
    }

    /** Its own cause. */
    static final class SelfCaused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SelfCaused() {
            super("i caused myself");
        }

        @Override
        public synchronized Throwable getCause() {
            return this;
        }
    }

    /** Java serialization of it throws an Error. */
    static final class EncodingError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EncodingError() {
            super("cannot be written");
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            throw new AssertionError("writeObject refuses");
        }
    }

    /** Holds a field Java serialization cannot write. */
    static final class UnencodableField extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object lock = new Object();

        UnencodableField() {
            super("a field that cannot travel");
        }
    }

    static RuntimeException cycle() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        return a;
    }

    static RuntimeException deep() {
        RuntimeException e = new RuntimeException("level 0");
        for (int i = 1; i <= 100_000; i++) {
            e = new RuntimeException("level " + i, e);
        }
        return e;
    }

    /** The hostile kinds, each with what its job's failure message must name. */
    private static final List<String> KINDS = List.of("hostile", "asserting", "opaque", "self", "cycle", "deep", "encodingError",
            "field");

    static int throwKind(String kind) {
        switch (kind) {
            case "hostile": throw new Hostile();
            case "asserting": throw new AssertingMessage();
            case "opaque": throw new Opaque();
            case "self": throw new SelfCaused();
            case "cycle": throw cycle();
            case "deep": throw deep();
            case "encodingError": throw new EncodingError();
            case "field": throw new UnencodableField();
            default: return kind.length();
        }
    }

    private static String expectedName(String kind) {
        switch (kind) {
            case "hostile": return Hostile.class.getName();
            case "asserting": return AssertingMessage.class.getName();
            case "opaque": return Opaque.class.getName();
            case "self": return SelfCaused.class.getName() + ": i caused myself";
            case "cycle": return "java.lang.RuntimeException: a";
            case "deep": return "java.lang.RuntimeException: level 100000";
            case "encodingError": return EncodingError.class.getName() + ": cannot be written";
            default: return UnencodableField.class.getName() + ": a field that cannot travel";
        }
    }

    /** The failure of a job can be read and printed in full: its message, its chain, its stack trace. */
    private static void describable(Throwable t, String kind) {
        assertThat(t).as(kind).isInstanceOf(JobFailedException.class);
        assertThat(t.getMessage()).as(kind).contains(expectedName(kind));
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        assertThat(out.toString()).as(kind).contains(expectedName(kind));
        int depth = 0;
        for (Throwable c = t; c != null && depth < 1000; c = c.getCause()) {
            assertThat(c.toString()).isNotNull();
            depth++;
        }
        assertThat(depth).as(kind + ": its chain of causes ends").isLessThan(1000);
    }

    private static <T> T within(Supplier<T> call) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(call.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "bounded-call");
        t.setDaemon(true);
        t.start();
        try {
            return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    static void everyKindFailsItsJobOnly(JobServer server, String worker) {
        for (String kind : KINDS) {
            Job<Integer> job = server.submit(HostileFailuresTest::throwKind, kind);
            Throwable failure = null;
            try {
                job.get(WAIT);
            } catch (Throwable e) {
                failure = e;
            }
            assertThat(failure).as(kind + " ends its job (not a hang, not a lost job)").isNotNull()
                    .isNotInstanceOf(AssertionError.class);
            assertThat(failure.getMessage()).as(kind).doesNotContain("is not done after");
            describable(failure, kind);
            assertThat(failure.getMessage()).as(kind).startsWith("job " + job.id() + " failed on " + worker);
            assertThat(server.submit(HostileFailuresTest::throwKind, "fine").get(WAIT)).as("after " + kind)
                    .isEqualTo(4);
        }
        assertThat(server.stats().workers()).as("no worker died").noneMatch(JobStats.Worker::died);
    }

    @Test
    void hostileExceptionsOnTheMastersOwnWorkersEachFailTheirJob() {
        try (JobServer server = JobServer.local(1)) {
            everyKindFailsItsJobOnly(server, "thread 1");
        }
    }

    @Ranks(2)
    void hostileExceptionsOnAnotherRankEachFailTheirJob(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (server.isMaster()) {
                everyKindFailsItsJobOnly(server, "rank 1");
                assertThat(server.workers()).as("rank 1 still serves").isEqualTo(1);
            }
        }
    }

    @Test
    void aPoolMapWithAHostileExceptionReturns() throws Exception {
        try (Pool pool = Pool.local(2)) {
            Throwable failure = null;
            try {
                within(() -> pool.map(x -> x == 3 ? throwKind("hostile") : x, List.of(0, 1, 2, 3, 4, 5)));
            } catch (Exception e) {
                failure = e;
            }
            assertThat(failure).isInstanceOf(JobFailedException.class)
                    .hasMessageContaining("(map input 3) failed on thread ").hasMessageContaining(Hostile.class.getName());
            assertThat(within(() -> pool.map(x -> x + 1, List.of(1, 2, 3)))).containsExactly(2, 3, 4);
        }
    }

    @Ranks(2)
    void aPoolApplyAfterAHostileExceptionOnAnotherRankReturns(Communicator world) throws Exception {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world).localWorkers(0))) {
            if (pool.isMaster()) {
                assertThatThrownBy(() -> within(() -> pool.apply(HostileFailuresTest::throwKind, "hostile")))
                        .isInstanceOf(JobFailedException.class).hasMessageStartingWith("job 1 failed on rank 1: ");
                Task<Integer, Integer> twice = x -> x * 2;
                int got = within(() -> pool.apply(twice, 21));
                assertThat(got).isEqualTo(42);
            }
        }
    }

    @Ranks(2)
    void aSubmissionWhenNoWorkerIsLeftFailsAtOnce(Communicator world) {
        try (JobServer server = new JobServer(JobSettings.defaults().communicator(world).localWorkers(0)
                .maxAttempts(1))) {
            if (server.isMaster()) {
                Job<Integer> killer = server.submit(() -> {
                    if (Par.rank() == 1) {
                        throw new OutOfMemoryError("simulated");
                    }
                    return 0;
                });
                assertThatThrownBy(() -> killer.get(WAIT)).isInstanceOf(JobFailedException.class)
                        .hasMessageContaining("every worker has died");
                assertThat(server.workers()).isZero();
                long start = System.nanoTime();
                assertThatThrownBy(() -> server.submit(() -> 1)).isInstanceOf(JparException.class)
                        .hasMessage("submit: no worker is left in this JobServer: every worker died (the last, rank 1:"
                                + " java.lang.OutOfMemoryError: simulated) and it has no threads of its own "
                                + "(localWorkers 0); add some with setLocalWorkers(n) before submitting");
                assertThat(System.nanoTime() - start).as("at once").isLessThan(TimeUnit.SECONDS.toNanos(10));
                server.setLocalWorkers(1);
                assertThat(server.submit(() -> 1).get(WAIT)).isEqualTo(1);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> void sneakyThrow(Throwable e) throws E {
        throw (E) e;
    }

    @Test
    void callbacksThatThrowAnythingAreLoggedWithTheirJob() {
        Logger logger = Logger.getLogger(Job.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        boolean parents = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        try (JobServer server = JobServer.local(1)) {
            List<Job<Integer>> jobs = new ArrayList<>();
            jobs.add(server.submit(x -> x, 1).onDone(x -> sneakyThrow(new IOException("checked, thrown sneakily"))));
            jobs.add(server.submit(x -> x, 2).onDone(x -> {
                throw new Hostile();
            }));
            jobs.add(server.submit(x -> x, 3).onDone(x -> {
                throw new StackOverflowError("deep callback");
            }));
            jobs.add(server.submit(x -> x, 4).onDone(x -> sneakyThrow(new Opaque())));
            server.await();
            for (int i = 0; i < jobs.size(); i++) {
                assertThat(jobs.get(i).get(WAIT)).as("the job itself succeeded").isEqualTo(i + 1);
            }
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parents);
        }
        List<String> lines = new ArrayList<>();
        for (LogRecord r : records) {
            assertThat(r.getLevel().intValue()).isGreaterThanOrEqualTo(Level.WARNING.intValue());
            lines.add(r.getMessage());
            if (r.getThrown() != null) {
                r.getThrown().printStackTrace(new PrintWriter(new StringWriter()));
            }
        }
        assertThat(lines).hasSize(4);
        assertThat(lines).allMatch(l -> !l.contains("\n"));
        assertThat(lines).anyMatch(l -> l.contains("job 1") && l.contains("java.io.IOException: checked, thrown sneakily"));
        assertThat(lines).anyMatch(l -> l.contains("job 2") && l.contains(Hostile.class.getName()));
        assertThat(lines).anyMatch(l -> l.contains("job 3") && l.contains("java.lang.StackOverflowError: deep callback"));
        assertThat(lines).anyMatch(l -> l.contains("job 4") && l.contains(Opaque.class.getName()));
    }
}
