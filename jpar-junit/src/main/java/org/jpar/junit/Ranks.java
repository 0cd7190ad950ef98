package org.jpar.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a JUnit Jupiter test body as N ranks of the embedded engine, once per listed size:
 *
 * <pre>{@code
 * @Ranks({1, 2, 4})
 * void ringPassesTheToken(Communicator world) {
 *     world.send(world.rank(), (world.rank() + 1) % world.size());
 *     assertThat(world.<Integer>receive(Par.ANY_SOURCE)).isEqualTo((world.rank() + world.size() - 1) % world.size());
 * }
 * }</pre>
 *
 * Each rank runs the method in its own thread, with a {@link org.jpar.Communicator} parameter (if it has one) bound
 * to that rank, and {@link org.jpar.Par} working as in a real job. If any rank fails, the others are stopped and the
 * test fails with that rank's exception (a suppressed note names the rank). A deadlock fails the test instead of
 * hanging it. The ranks share the test instance and its class's statics (unlike {@code jpar run}, which gives each
 * rank its own copy of the program).
 *
 * <p>{@code @Ranks(value = 2, strict = true)} runs the body in the embedded engine's strict mode
 * ({@link org.jpar.engine.threads.ThreadsEngine#run(int, boolean, org.jpar.engine.threads.ThreadsEngine.RankBody)}):
 * every send waits for its receive as {@code MPI_Ssend} does, so code that would hang on a cluster once its messages
 * outgrow the eager limit fails here with the cycle of waiting ranks; mismatched collectives, messages never
 * received and a receive of the wrong type are reported with the line that sent. Off by default, because it also
 * fails code that real MPIs run fine for small messages (every rank sending a few bytes before receiving); turn it on
 * for every {@code @Ranks} test of a build with {@code -Djpar.strict=true} (e.g. in surefire's
 * {@code systemPropertyVariables}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ExtendWith(RanksExtension.class)
public @interface Ranks {
    /** @return the job sizes to run the test at, e.g. {@code {1, 2, 3, 4}} */
    int[] value();

    /** @return true to run in strict mode (default false, or true for every test with {@code -Djpar.strict=true}) */
    boolean strict() default false;
}
