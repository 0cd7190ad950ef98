package org.jpar.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jpar.Communicator;
import org.jpar.Par;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

class RanksExtensionTest {
    @Ranks({1, 2, 3, 4})
    void everyRankRunsTheBodyWithItsOwnCommunicator(Communicator world) {
        assertThat(Par.rank()).isEqualTo(world.rank());
        int right = (world.rank() + 1) % world.size();
        world.send(world.rank(), right);
        int left = (world.rank() - 1 + world.size()) % world.size();
        assertThat(world.<Integer>receive(Par.ANY_SOURCE)).isEqualTo(left);
    }

    @Test
    void aFailingRankFailsTheTestWithItsOwnException() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Samples.class)).execute()
                .testEvents();
        tests.assertThatEvents().haveExactly(1, event(test("rankTwoFails"),
                finishedWithFailure(instanceOf(AssertionError.class), message(m -> m.contains("rank 2 disagrees")))));
        tests.assertThatEvents().haveExactly(1, event(test("deadlocks"),
                finishedWithFailure(message(m -> m.startsWith("deadlock: every rank is waiting")))));
        tests.assertThatEvents().haveExactly(2, event(test("passes"), org.junit.platform.testkit.engine.EventConditions
                .finishedSuccessfully()));
        Throwable t = tests.failed().stream()
                .filter(e -> e.getTestDescriptor().getDisplayName().equals("3 ranks")
                        && e.getTestDescriptor().getUniqueId().toString().contains("rankTwoFails"))
                .findFirst().orElseThrow().getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow().getThrowable().orElseThrow();
        assertThat(t.getSuppressed()).anySatisfy(s -> assertThat(s).hasMessage("thrown by rank 2 of 3"));
    }

    @Test
    void everyListedSizeRunsEveryRank() {
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Samples.class)).execute();
        assertThat(Samples.PASSED).contains("1:0", "2:0", "2:1");
    }

    /** Sample tests run through the test kit (not directly: the class is nested and not a test class by name). */
    static class Samples {
        static final Set<String> PASSED = ConcurrentHashMap.newKeySet();

        @Ranks(3)
        void rankTwoFails(Communicator c) {
            if (c.rank() == 2) {
                throw new AssertionError("rank 2 disagrees");
            }
            c.receive(2); // blocked until the failure stops it
        }

        @Ranks(2)
        void deadlocks(Communicator c) {
            c.receive(Par.ANY_SOURCE);
        }

        @Ranks({1, 2})
        void passes(Communicator c) {
            PASSED.add(c.size() + ":" + c.rank());
        }
    }
}
