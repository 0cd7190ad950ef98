package org.jpar.job;

import org.jpar.JparException;

/**
 * A job's task threw (or the job could not be run): what {@link Job#get()}, {@link Pool#map} and friends throw for
 * it. The message names the job and the worker that ran it ({@code job 7 failed on rank 1: java.lang.
 * IllegalStateException: boom}); the cause is the task's own exception with its stack trace from the rank that ran
 * it (rebuilt on the submitter; a {@link RemoteTaskException} stands in for an exception whose class cannot be
 * decoded there, or that cannot describe itself: its {@code getMessage()} throws, its causes loop or run too deep).
 */
public final class JobFailedException extends JparException {
    private static final long serialVersionUID = 1L;
    private final long jobId;
    private final String worker;

    /**
     * @param message the whole message, naming the job and the worker
     * @param jobId   the job's id
     * @param worker  the worker that ran it, or null if none did
     * @param cause   what the task threw, or the underlying failure
     */
    JobFailedException(String message, long jobId, String worker, Throwable cause) {
        super(message, cause);
        this.jobId = jobId;
        this.worker = worker;
    }

    /** The task of {@code what} threw {@code cause} on {@code worker}. */
    static JobFailedException threw(String what, long jobId, String worker, Throwable cause) {
        return new JobFailedException(what + " failed on " + worker + ": " + Failures.describe(cause), jobId, worker,
                cause);
    }

    /** @return the id of the job that failed (ids count from 1 per server, in submission order) */
    public long jobId() {
        return jobId;
    }

    /** @return the worker that ran it: {@code rank 1}, {@code rank 0 thread 2}, {@code thread 3}; null if none did */
    public String worker() {
        return worker;
    }
}
