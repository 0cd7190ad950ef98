package org.jpar.engine.mpj;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What a multicore rank's receives wait on instead of MPJ Express's own wait: every jpar send to the rank rings it
 * (after MPJ's {@code Isend} returned, which has by then copied the message into a receive the rank posted), and the
 * rank's waiting threads test their receives again. A rank that takes a large message's bulk part also rings its
 * sender's bell, for a sender waiting until its receiver took the message ({@code MpjTransport.sendAwaitingReceiver}).
 *
 * <p>Why: MPJ's multicore device blocks a {@code Recv} or {@code Wait} in {@code xdev.smpdev.Semaphore.acquire()},
 * which calls {@code Object.wait()} once ({@code if (s == 0) wait(); s--;}, not in a loop). A spurious wakeup, which
 * {@code Object.wait} allows and HotSpot's monitor can give (its {@code wait} parks once, and a monitor's exiting
 * owner may unpark its chosen successor late, after that thread took the monitor by spinning and went on to wait
 * elsewhere), returns from it before the sender matched the receive: MPJ then reads a receive buffer of size 0 and
 * throws
 * {@code mpjbuf.BufferUnderflowException: Trying to read past end of buffer. < newReadPtr > size > 8 > 0}, and the
 * message, copied later into a buffer MPJ already gave back, is lost. A receive that is only ever tested
 * ({@code Request.Test}) never sleeps in that semaphore: MPJ waits only while it is pending, and {@code Test} asks for
 * the result only once it is not.
 *
 * <p>An event count: a waiter reads {@link #rings()}, tests its receive, and parks only while the count is unchanged,
 * so no ring between its test and its park is lost.
 */
final class Doorbell {
    /** At most this long between two tests of a receive that no ring woke (a safety net: every send rings). */
    private static final long MAX_PARK_NANOS = 10_000_000L;

    private final AtomicLong rings = new AtomicLong();
    private final Queue<Thread> waiters = new ConcurrentLinkedQueue<>();

    /** @return one bell for each rank of a multicore job of {@code size} ranks, by world rank */
    static Doorbell[] forJob(int size) {
        Doorbell[] bells = new Doorbell[size];
        for (int r = 0; r < size; r++) {
            bells[r] = new Doorbell();
        }
        return bells;
    }

    /** @return the count of rings so far, to pass to {@link #await} after testing */
    long rings() {
        return rings.get();
    }

    /** A message may have arrived for this rank: wakes every thread of it waiting on this bell. */
    void ring() {
        rings.incrementAndGet();
        for (Thread t : waiters) {
            LockSupport.unpark(t);
        }
    }

    /** Parks until the bell rang after it had rung {@code seen} times (or a while passed, or a spurious wakeup). */
    void await(long seen) {
        Thread me = Thread.currentThread();
        waiters.add(me);
        try {
            if (rings.get() == seen) {
                LockSupport.parkNanos(this, MAX_PARK_NANOS);
            }
        } finally {
            waiters.remove(me);
        }
    }
}
