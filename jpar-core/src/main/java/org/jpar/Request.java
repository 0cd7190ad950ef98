package org.jpar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A nonblocking operation in progress ({@code MPI_Request}). {@link #await()} blocks until it is complete;
 * {@link #isDone()} tests without blocking. A request is used by one thread at a time.
 *
 * <p>As in MPI: the operation progresses without the request being tested (a posted receive lets its matching send
 * complete while this rank does anything else), and dropping a request neither cancels its operation nor frees what it
 * uses (an {@code isend} still delivers its data, an {@code ireceive} still takes its message).
 *
 * <p>The static {@link #waitAll}, {@link #waitAny}, {@link #testAll} and {@link #testAny} are MPI's
 * {@code MPI_Waitall}, {@code MPI_Waitany}, {@code MPI_Testall} and {@code MPI_Testany} (MPI-4.1 section 3.7.5;
 * mpi4py's {@code Request.Waitall}, ...). A {@code null} element is MPI's {@code MPI_REQUEST_NULL}: complete, with a
 * null value.
 *
 * @param <T> what the operation yields: the received value for receives, {@code null} for sends
 */
public interface Request<T> {
    /**
     * Waits until the operation is complete.
     *
     * @return the received value for a receive, {@code null} for a send
     * @throws JparException if the operation failed or the job was aborted
     */
    T await();

    /**
     * Waits until the operation is complete.
     *
     * @return the value with its envelope (source, tag, size, type); for a send, an envelope with a null value
     */
    Envelope<T> awaitEnvelope();

    /** @return true once the operation is complete; never blocks */
    boolean isDone();

    /**
     * Waits until every request is complete ({@code MPI_Waitall}).
     *
     * @param requests the requests; null elements are complete
     * @return each request's value ({@link #await()}), in the order of {@code requests}
     * @throws JparException the first failure met, after every other request was awaited
     */
    static List<Object> waitAll(List<? extends Request<?>> requests) {
        Objects.requireNonNull(requests, "requests");
        List<Object> values = new ArrayList<>(requests.size());
        RuntimeException first = null;
        for (Request<?> r : requests) {
            try {
                values.add(r == null ? null : r.await());
            } catch (RuntimeException e) {
                values.add(null);
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return values;
    }

    /** Varargs form of {@link #waitAll(List)}. */
    static List<Object> waitAll(Request<?>... requests) {
        return waitAll(Arrays.asList(requests));
    }

    /**
     * Waits until at least one request is complete ({@code MPI_Waitany}) and returns its index; the caller then takes
     * its value with {@code requests.get(i).await()}, which does not block.
     *
     * @param requests the requests
     * @return the index of a complete request (the lowest one complete when it looked), or -1 if every element is
     *         null or the list is empty (MPI's {@code MPI_UNDEFINED})
     */
    static int waitAny(List<? extends Request<?>> requests) {
        Objects.requireNonNull(requests, "requests");
        boolean marked = org.jpar.internal.diag.Waiting.begin("Request.waitAny"); // a wait, for the hang watch
        try {
            for (int spins = 0; ; spins++) {
                int i = testAny(requests);
                if (i != -1 || allNull(requests)) {
                    return i;
                }
                if (spins >= 200 && firstPending(requests) instanceof org.jpar.spi.ProgressWait w) {
                    w.parkForProgress(50_000L); // woken by what may complete it (the embedded engine's requests)
                } else {
                    backOff(spins);
                }
            }
        } finally {
            org.jpar.internal.diag.Waiting.end(marked);
        }
    }

    /** Varargs form of {@link #waitAny(List)}. */
    static int waitAny(Request<?>... requests) {
        return waitAny(Arrays.asList(requests));
    }

    /**
     * Tests every request without blocking ({@code MPI_Testall}).
     *
     * @param requests the requests
     * @return true if every request is complete
     */
    static boolean testAll(List<? extends Request<?>> requests) {
        boolean all = true;
        for (Request<?> r : requests) {
            all &= r == null || r.isDone();
        }
        return all;
    }

    /** Varargs form of {@link #testAll(List)}. */
    static boolean testAll(Request<?>... requests) {
        return testAll(Arrays.asList(requests));
    }

    /**
     * Tests the requests without blocking ({@code MPI_Testany}).
     *
     * @param requests the requests
     * @return the index of the first complete (non-null) request, or -1 if none is complete
     */
    static int testAny(List<? extends Request<?>> requests) {
        for (int i = 0; i < requests.size(); i++) {
            Request<?> r = requests.get(i);
            if (r != null && r.isDone()) {
                return i;
            }
        }
        return -1;
    }

    /** Varargs form of {@link #testAny(List)}. */
    static int testAny(Request<?>... requests) {
        return testAny(Arrays.asList(requests));
    }

    private static Request<?> firstPending(List<? extends Request<?>> requests) {
        for (Request<?> r : requests) {
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static boolean allNull(List<? extends Request<?>> requests) {
        for (Request<?> r : requests) {
            if (r != null) {
                return false;
            }
        }
        return true;
    }

    /** Spins briefly, then yields, then parks for growing intervals up to 50 microseconds. */
    private static void backOff(int spins) {
        if (spins < 100) {
            Thread.onSpinWait();
        } else if (spins < 200) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(Math.min(50_000L, 1_000L * (spins - 199)));
        }
    }
}
