package org.jpar.job;

import org.jpar.JparException;

/**
 * Stands in for an exception a task threw on another rank when that exception cannot be rebuilt where the job was
 * submitted (its class is not serializable, or not present there). Carries the original class name, message and
 * stack trace; the chain of causes is kept the same way.
 */
public final class RemoteTaskException extends JparException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /**
     * @param original the exception to stand in for (its class name, message, stack trace and causes are copied)
     */
    RemoteTaskException(Throwable original) {
        super(original.getClass().getName() + (original.getMessage() == null ? "" : ": " + original.getMessage()),
                original.getCause() == null || original.getCause() == original ? null
                        : new RemoteTaskException(original.getCause()));
        this.remoteClassName = original.getClass().getName();
        setStackTrace(original.getStackTrace());
    }

    /** @return the fully qualified class name of the exception the task threw */
    public String remoteClassName() {
        return remoteClassName;
    }
}
