package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Keeps the JVM's own signal handlers in force. MPI libraries built on UCX (MPICH here, Open MPI with its UCX
 * transport) install handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGHUP when they load; the JVM uses SIGSEGV for
 * stack banging and null checks, so its first {@code StackOverflowError} would then kill the process. What worked
 * (checked on MPICH 4.0.2 and Open MPI 4.1.4): telling UCX not to install them ({@code UCX_ERROR_SIGNALS=} empty and
 * {@code UCX_DEBUG_SIGNO=0} in the environment before the library loads, never overriding a user's own setting), and
 * putting back any handler found replaced after loading and after {@code MPI_Init_thread}.
 */
final class Signals {
    /** SIGHUP, SIGILL, SIGFPE, SIGBUS, SIGSEGV on Linux x86-64 and aarch64. */
    private static final int[] SIGNALS = {1, 4, 8, 7, 11};
    /** {@code struct sigaction} is 152 bytes on x86-64 glibc; generous room for other layouts. */
    private static final long SIGACTION_BYTES = 256;
    private static final MethodHandle SETENV = Library.libc("setenv", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SIGACTION = Library.libc("sigaction", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private final MemorySegment[] saved = new MemorySegment[SIGNALS.length];

    private Signals() {
    }

    /** Sets UCX's environment (unless the user set it) and remembers the JVM's handlers. */
    static Signals keepJvmHandlers() {
        setDefault("UCX_ERROR_SIGNALS", "");
        setDefault("UCX_DEBUG_SIGNO", "0");
        // no backtrace of UCX's internals when it gives up on a peer that is gone (a rank killed in a large
        // transfer): its one-line report stays, and the process still ends (abort), so the job still fails
        setDefault("UCX_HANDLE_ERRORS", "none");
        Signals s = new Signals();
        for (int i = 0; i < SIGNALS.length; i++) {
            s.saved[i] = Arena.global().allocate(SIGACTION_BYTES, 16);
            sigaction(SIGNALS[i], MemorySegment.NULL, s.saved[i]);
        }
        return s;
    }

    /** Puts back every handler of the JVM that something replaced since {@link #keepJvmHandlers()}. */
    void restore() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment now = a.allocate(SIGACTION_BYTES, 16);
            for (int i = 0; i < SIGNALS.length; i++) {
                sigaction(SIGNALS[i], MemorySegment.NULL, now);
                if (now.get(ValueLayout.JAVA_LONG, 0) != saved[i].get(ValueLayout.JAVA_LONG, 0)) {
                    sigaction(SIGNALS[i], saved[i], MemorySegment.NULL);
                }
            }
        }
    }

    private static void setDefault(String name, String value) {
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) SETENV.invokeExact(a.allocateFrom(name), a.allocateFrom(value), 0);
            if (rc != 0) {
                throw new IllegalStateException("setenv(" + name + ") failed");
            }
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }

    private static void sigaction(int signal, MemorySegment act, MemorySegment old) {
        try {
            int rc = (int) SIGACTION.invokeExact(signal, act, old);
            if (rc != 0) {
                throw new IllegalStateException("sigaction(" + signal + ") failed");
            }
        } catch (Throwable t) {
            throw Fail.unchecked(t);
        }
    }
}
