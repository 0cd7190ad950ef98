package org.jpar;

/**
 * Thrown in every other rank when one rank of the job has failed: a blocked or later call into jpar ends with
 * this exception instead of waiting forever. Its cause is the failing rank's exception.
 */
public final class JobAbortedException extends JparException {
    private static final long serialVersionUID = 1L;
    private final int failedRank;

    /**
     * @param failedRank the world rank that failed first
     * @param cause      what that rank threw
     */
    public JobAbortedException(int failedRank, Throwable cause) {
        super("the job was aborted because rank " + failedRank + " failed: " + cause, cause);
        this.failedRank = failedRank;
    }

    /** @return the world rank whose failure aborted the job */
    public int failedRank() {
        return failedRank;
    }
}
