package org.jpar.job;

import java.io.Serializable;

/**
 * A task of one argument, for {@link Pool#map}, {@link Pool#applyAsync} and {@link JobServer#submit(Task, Object)}:
 * an ordinary lambda or method reference ({@code n -> fib(n)}, {@code SumPrimes::sumPrimes}).
 *
 * <p>It is {@link Serializable} so that the compiler makes every lambda of this type serializable: all ranks run the
 * same program, so a task travels to another rank as a reference to its code (class and method) plus the values it
 * captured, never as source or bytecode. Captured values and the argument must be encodable by jpar's codec (any
 * object Apache Fory can encode, or a {@link Serializable} one).
 *
 * @param <A> the argument's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface Task<A, R> extends Serializable {
    /**
     * Runs the task. An exception completes the job exceptionally (the submitter gets it from {@link Job#get()},
     * wrapped in a {@link JobFailedException} that names the rank); the server carries on with the next job.
     *
     * @param arg the argument
     * @return the result (any object; it travels back to the submitter)
     * @throws Exception anything; reported to the submitter
     */
    R apply(A arg) throws Exception;
}
