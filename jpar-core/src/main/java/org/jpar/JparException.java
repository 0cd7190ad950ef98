package org.jpar;

/**
 * The one unchecked exception of jpar: a bad argument, a bad state, a message of the wrong type, a missing
 * engine, or a failure of the job. The message always says what was wrong and, where there is one, what to do.
 */
public class JparException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, with the values involved */
    public JparException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong, with the values involved
     * @param cause   the underlying failure
     */
    public JparException(String message, Throwable cause) {
        super(message, cause);
    }
}
