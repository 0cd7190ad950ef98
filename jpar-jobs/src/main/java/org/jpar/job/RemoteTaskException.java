package org.jpar.job;

import org.jpar.JparException;

/**
 * Stands in for an exception a task threw when that exception cannot be handed over as it is: it cannot be rebuilt
 * where the job was submitted (its class or a field is not serializable, or the class is not present there), or it
 * cannot describe itself (its {@code getMessage()} or {@code toString()} throws, its chain of causes is a cycle, names
 * itself, or is longer than 100). Carries the original class name, message (or what could be read of it) and stack
 * trace; the chain of causes is kept the same way, cut where it loops or grows too long (the last link says so).
 */
public final class RemoteTaskException extends JparException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /**
     * @param remoteClassName the class of the exception stood in for
     * @param message         its description ({@code class: message}, or what can be read of it)
     * @param trace           its stack trace
     * @param cause           the stand-in for its cause, or null
     */
    RemoteTaskException(String remoteClassName, String message, StackTraceElement[] trace, RemoteTaskException cause) {
        super(message, cause);
        this.remoteClassName = remoteClassName;
        setStackTrace(trace);
    }

    /** @return the fully qualified class name of the exception the task threw */
    public String remoteClassName() {
        return remoteClassName;
    }
}
