package org.jpar.job;

import java.io.Serializable;

/**
 * A task without arguments (its inputs are the values its lambda captures), for
 * {@link JobServer#submit(CallableTask)}: {@code server.submit(() -> fib(n))}. Travels like a {@link Task}.
 *
 * @param <R> the result's type
 */
@FunctionalInterface
public interface CallableTask<R> extends Serializable {
    /**
     * Runs the task; see {@link Task#apply(Object)}.
     *
     * @return the result
     * @throws Exception anything; reported to the submitter
     */
    R call() throws Exception;
}
