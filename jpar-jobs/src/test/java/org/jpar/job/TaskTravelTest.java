package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.Communicator;
import org.jpar.Par;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Timeout;

/**
 * How tasks, arguments, results and exceptions travel between ranks (the master runs nothing here: localWorkers(0)).
 * That they also travel between the per-rank class loaders of {@code jpar run} is covered by {@code JobDemosIT}.
 */
@Timeout(120)
class TaskTravelTest {
    record Point(int x, int y) {
    }

    /** An exception that Java serialization cannot carry (it holds a plain Object). */
    static final class Unsendable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object lock = new Object();

        Unsendable(String message) {
            super(message);
        }
    }

    private static JobSettings remoteOnly(Communicator world) {
        return JobSettings.defaults().communicator(world).localWorkers(0);
    }

    @Ranks({2, 3})
    void lambdasTravelWithWhatTheyCapture(Communicator world) {
        try (JobServer server = new JobServer(remoteOnly(world))) {
            if (server.isMaster()) {
                int k = 7;
                String s = "captured";
                Point p = new Point(1, 2);
                List<Integer> list = new ArrayList<>(List.of(1, 2, 3));
                Job<String> job = server.submit(() -> s + k + p + list + " on rank " + Par.rank());
                assertThat(job.get()).matches("captured7Point\\[x=1, y=2\\]\\[1, 2, 3\\] on rank [12]");
                list.add(4); // the job had its own copy
                Job<Map<String, Point>> record = server.submit((a, b) -> Map.of(a, b), "p", new Point(3, 4));
                assertThat(record.get()).isEqualTo(Map.of("p", new Point(3, 4)));
                Job<int[]> array = server.submit(n -> new int[] {n, n}, 9);
                assertThat(array.get()).containsExactly(9, 9);
                Job<Object> nothing = server.submit(x -> x, null);
                assertThat(nothing.get()).isNull();
                assertThat(nothing.worker()).startsWith("rank ");
            }
        }
    }

    @Ranks(2)
    void aTaskThatCannotBeSentFailsItsJobOnly(Communicator world) {
        try (JobServer server = new JobServer(remoteOnly(world))) {
            if (server.isMaster()) {
                Runnable notSerializable = () -> { };
                Job<Integer> job = server.submit(() -> {
                    notSerializable.run();
                    return 1;
                });
                assertThatThrownBy(job::get).isInstanceOf(JobFailedException.class)
                        .hasMessageStartingWith("job 1 cannot be sent to another rank: its task (")
                        .hasMessageContaining("or its arguments cannot be encoded: ");
                assertThat(server.submit(() -> 2).get()).isEqualTo(2);
            }
        }
    }

    @Ranks(2)
    void aResultThatCannotBeSentBackFailsItsJobOnly(Communicator world) {
        try (JobServer server = new JobServer(remoteOnly(world))) {
            if (server.isMaster()) {
                Job<Runnable> job = server.submit(() -> () -> { });
                assertThatThrownBy(job::get).isInstanceOf(JobFailedException.class)
                        .hasMessageMatching("job 1 failed on rank 1: org.jpar.JparException: its result \\(a .*\\) "
                                + "cannot be sent back from rank 1: .*");
                assertThat(server.submit(() -> 2).get()).isEqualTo(2);
            }
        }
    }

    @Ranks(2)
    void anExceptionThatCannotTravelIsRebuiltAsAStandIn(Communicator world) {
        try (JobServer server = new JobServer(remoteOnly(world))) {
            if (server.isMaster()) {
                Job<Integer> job = server.submit(() -> {
                    throw new Unsendable("cannot travel");
                });
                assertThatThrownBy(job::get).isInstanceOf(JobFailedException.class)
                        .hasMessage("job 1 failed on rank 1: org.jpar.job.RemoteTaskException: "
                                + Unsendable.class.getName() + ": cannot travel")
                        .cause().isInstanceOfSatisfying(RemoteTaskException.class, e -> {
                            assertThat(e.remoteClassName()).isEqualTo(Unsendable.class.getName());
                            assertThat(e.getStackTrace()[0].getMethodName()).startsWith("lambda$");
                        });
                Job<Integer> chained = server.submit(() -> {
                    throw new IllegalStateException("outer", new Unsendable("inner"));
                });
                assertThatThrownBy(chained::get).cause().isInstanceOf(RemoteTaskException.class)
                        .hasMessage(IllegalStateException.class.getName() + ": outer")
                        .cause().isInstanceOf(RemoteTaskException.class)
                        .hasMessage(Unsendable.class.getName() + ": inner");
            }
        }
    }
}
