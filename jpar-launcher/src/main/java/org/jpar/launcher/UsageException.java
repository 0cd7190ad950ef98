package org.jpar.launcher;

import org.jpar.JparException;

/** A bad command line discovered while running a command: printed as a two-line usage error, exit code 2. */
final class UsageException extends JparException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
