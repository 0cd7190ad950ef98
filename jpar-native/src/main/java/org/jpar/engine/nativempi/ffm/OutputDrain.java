package org.jpar.engine.nativempi.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Waits until the rank's last lines have left its stdout and stderr pipes before {@code MPI_Abort}. MPICH's proxy
 * (Hydra) stops forwarding a rank's output once an abort reaches it: a failure line still in the pipe was lost on a
 * loaded machine (seen in CI, twice in 300 jobs). The proxy forwards what it reads at once, so a pipe with no unread
 * bytes ({@code ioctl(FIONREAD)}) means the line is on its way to the launcher, ahead of the abort.
 */
final class OutputDrain {
    /** {@code FIONREAD} on Linux (x86-64 and aarch64). */
    private static final long FIONREAD = 0x541B;
    private static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));

    private OutputDrain() {
    }

    /**
     * Returns once fds 1 and 2 hold no unread bytes (or are not pipes), or after {@code maxMillis}, then gives the
     * reader {@code graceMillis} more to pass on what it just read.
     */
    static void await(long maxMillis, long graceMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            while (System.nanoTime() < deadline && (unread(1, n) > 0 || unread(2, n) > 0)) {
                Thread.sleep(5);
            }
            Thread.sleep(graceMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // best effort: the abort must happen whatever this finds
        }
    }

    private static int unread(int fd, MemorySegment n) throws Throwable {
        n.set(ValueLayout.JAVA_INT, 0, 0);
        int rc = (int) IOCTL.invokeExact(fd, FIONREAD, n);
        return rc == 0 ? n.get(ValueLayout.JAVA_INT, 0) : 0;
    }
}
