package org.jpar.spi;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A rank's nonblocking receives whose head has not arrived yet, for the MPI engines that send a large message as a
 * head and a rest: the rest's receive can only be posted once the head is in, by Java code, so while a thread of the
 * rank sits inside one of MPI's blocking calls (a collective, or a large send's rest) a helper thread tests these
 * receives and posts their rests; and a test of any request ({@code isDone}, so {@code Request.waitAny} and
 * {@code testAll}) moves them on too ({@link #progressFromTest}), as {@code MPI_Test} does. Without it, a sender
 * whose rest waits in {@code MPI_Send} for that receive never gets to the collective this rank waits in, and the job
 * hangs although MPI says it must not: a posted receive lets its matching send complete whatever else the receiver
 * does (MPI-4.1 3.5, Progress).
 *
 * <p>One per process, shared by every communicator of the rank: a receive posted on one communicator must progress
 * while a thread blocks on another (say, an {@code ireceive} on a {@code dup()} and then an {@code allreduce} on the
 * world). Public for engine implementations; not part of the user API.
 *
 * @param <R> the engine's receive request
 */
public final class PendingHeads<R extends PendingHeads.Pending> {
    /** An engine's receive that waits for its head. */
    public interface Pending {
        /** Moves the receive on without blocking (posting its rest once the head is in), unless a thread is at it. */
        void tryAdvance();
    }

    /** How long the helper sleeps between rounds of tests while a thread blocks and receives wait, in nanoseconds. */
    private static final long PERIOD_NANOS = 20_000;
    /** Shortest time between two sweeps of {@link #progressFromTest}, in nanoseconds. */
    private static final long TEST_GAP_NANOS = 20_000;

    private final Set<R> waiting = ConcurrentHashMap.newKeySet();
    /** Threads of this rank inside a blocking MPI call ({@link #enterBlocking()}). */
    private final AtomicInteger blocked = new AtomicInteger();
    private final String helperName;
    private volatile Thread helper;
    private volatile boolean closed;
    private volatile long lastTestSweep = System.nanoTime() - TEST_GAP_NANOS;

    /** @param helperName the helper thread's name, e.g. {@code jpar-progress-rank-0} */
    public PendingHeads(String helperName) {
        this.helperName = helperName;
    }

    /** A receive was posted and waits for its head; wakes the helper if a thread is inside a blocking call. */
    public void add(R r) {
        waiting.add(r); // a full fence, as the increment in enterBlocking: one of the two sees the other
        if (blocked.get() > 0) {
            wake();
        }
    }

    /** Its head arrived and its rest's receive is posted (or it failed). */
    public void remove(R r) {
        waiting.remove(r);
    }

    /** @return true if no receive waits for its head */
    public boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** @return true if no receive but (perhaps) {@code self} waits for its head */
    public boolean noneBut(Object self) {
        return waiting.isEmpty() || self != null && waiting.size() == 1 && waiting.contains(self);
    }

    /**
     * {@link #progress} for a test of one request ({@code isDone}): at most once every {@value #TEST_GAP_NANOS} ns
     * for the rank, so that {@code testAll} over many requests does not test every waiting receive once per request.
     */
    public void progressFromTest(Object self) {
        long now = System.nanoTime();
        if (now - lastTestSweep < TEST_GAP_NANOS || waiting.isEmpty()) {
            return;
        }
        lastTestSweep = now; // racy: two threads may both sweep, which is harmless
        progress(self);
    }

    /** Tests every waiting receive but {@code self} (null: all), posting the rests whose heads arrived. */
    public void progress(Object self) {
        for (R r : waiting) {
            if (r != self) {
                r.tryAdvance();
            }
        }
    }

    /**
     * The calling thread goes into a blocking MPI call: until {@link #exitBlocking()}, the helper keeps receives
     * moving.
     */
    public void enterBlocking() {
        blocked.incrementAndGet();
        if (!waiting.isEmpty()) {
            wake();
        }
    }

    /** The calling thread is back from the blocking call {@link #enterBlocking()} announced. */
    public void exitBlocking() {
        blocked.decrementAndGet();
    }

    /** Ends the helper (when the rank's world communicator closes). */
    public void close() {
        closed = true;
        Thread h = helper;
        if (h != null) {
            LockSupport.unpark(h);
        }
    }

    /** Wakes (or starts) the helper. */
    private void wake() {
        Thread h = helper;
        if (h == null) {
            synchronized (this) {
                h = helper;
                if (h == null) {
                    h = new Thread(this::helperLoop, helperName);
                    h.setDaemon(true);
                    helper = h;
                    h.start();
                    return;
                }
            }
        }
        LockSupport.unpark(h);
    }

    private void helperLoop() {
        while (!closed) {
            if (blocked.get() > 0 && !waiting.isEmpty()) {
                progress(null);
                LockSupport.parkNanos(PERIOD_NANOS);
            } else {
                LockSupport.park(this);
            }
        }
    }
}
