package org.jpar.job;

import java.io.Serializable;

/**
 * A task of two arguments, for {@link JobServer#submit(BiTask, Object, Object)}. Travels like a {@link Task}.
 *
 * @param <A> the first argument's type
 * @param <B> the second argument's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface BiTask<A, B, R> extends Serializable {
    /**
     * Runs the task; see {@link Task#apply(Object)}.
     *
     * @param a the first argument
     * @param b the second argument
     * @return the result
     * @throws Exception anything; reported to the submitter
     */
    R apply(A a, B b) throws Exception;
}
