package org.jpar.engine.threads;

import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jpar.JobAbortedException;
import org.jpar.JparException;

/**
 * One embedded job: N ranks as threads of this JVM, their mailboxes, and its fate. The first rank to fail aborts
 * the job: every blocked receive of every other rank ends with {@link JobAbortedException}, and their threads are
 * interrupted. A watchdog turns a deadlock (every rank waiting for a message nobody can send) into a failure.
 */
final class ThreadsJob {
    /** How a job ended badly: the first failing rank (or -1 for a deadlock) and its exception. */
    record Failure(int rank, Throwable cause) {
    }

    private static final int PAD = 16; // longs between two ranks' progress counters (own cache lines)
    private static final long WATCH_MILLIS = 100;
    private static final int DEADLOCK_CHECKS = 5; // unchanged checks in a row before it is called a deadlock

    final int size;
    final String hostName;
    final long spinNanos;
    final long eagerLimit;
    private final Mailbox[] boxes;
    private final AtomicLongArray progress;
    private final AtomicReferenceArray<Waiting> waitingOn;
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private final Thread[] threads;
    private final ThreadGroup[] groups;
    private final CountDownLatch finished;

    ThreadsJob(int size, String hostName, long spinNanos, long eagerLimit) {
        this.size = size;
        this.hostName = hostName;
        this.spinNanos = spinNanos;
        this.eagerLimit = eagerLimit;
        this.boxes = new Mailbox[size];
        for (int i = 0; i < size; i++) {
            boxes[i] = new Mailbox();
        }
        this.progress = new AtomicLongArray(size * PAD);
        this.waitingOn = new AtomicReferenceArray<>(size);
        this.threads = new Thread[size];
        this.groups = new ThreadGroup[size];
        this.finished = new CountDownLatch(size);
    }

    Mailbox mailbox(int rank) {
        return boxes[rank];
    }

    /** Counts a send of {@code rank}'s (a cheap ordered store by the owner), for the deadlock watchdog. */
    void progress(int rank) {
        int i = rank * PAD;
        progress.lazySet(i, progress.get(i) + 1);
    }

    private long totalProgress() {
        long sum = 0;
        for (int r = 0; r < size; r++) {
            sum += progress.get(r * PAD);
        }
        return sum;
    }

    /** Notes what rank {@code rank}'s own thread parks for (null: nothing), for the deadlock watchdog. */
    void waiting(int rank, Waiting w, Thread t) {
        if (threads[rank] == t) {
            waitingOn.set(rank, w);
        }
    }

    Failure failure() {
        return failure.get();
    }

    void checkRunning() {
        if (failure.get() != null) {
            throw abortedException();
        }
    }

    JparException abortedException() {
        Failure f = failure.get();
        if (f.rank() >= 0) {
            return new JobAbortedException(f.rank(), f.cause());
        }
        return new JparException("the job was aborted: " + f.cause().getMessage(), f.cause());
    }

    /** Records the first failure and wakes every rank so it sees it. @return true if this was the first */
    boolean fail(int rank, Throwable cause) {
        if (!failure.compareAndSet(null, new Failure(rank, cause))) {
            return false;
        }
        for (Mailbox b : boxes) {
            b.wakeAll();
        }
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t != null && t != me) {
                t.interrupt();
            }
        }
        return true;
    }

    /** What a rank's thread runs. */
    interface Body {
        void run() throws Throwable;
    }

    /** Creates rank {@code r}'s thread, to run {@code body} at {@link #launch()}. */
    void start(int r, ThreadGroup group, ClassLoader loader, Body body) {
        groups[r] = group;
        Thread t = new Thread(group, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                Throwable cause = unwrap(e);
                if (!(cause instanceof JparException && failure.get() != null)) {
                    fail(r, cause);
                }
            } finally {
                finished.countDown();
            }
        }, "jpar-rank-" + r, 0);
        t.setDaemon(true);
        t.setContextClassLoader(loader);
        threads[r] = t;
    }

    void launch() {
        for (Thread t : threads) {
            t.start();
        }
    }

    /**
     * Waits until every rank has ended, or one failed (then at most {@code graceMillis} more for the others to stop).
     *
     * @return the failure, or null if every rank ended normally
     */
    Failure await(long graceMillis) throws InterruptedException {
        long lastProgress = -1;
        int quiet = 0;
        while (!finished.await(WATCH_MILLIS, TimeUnit.MILLISECONDS)) {
            if (failure.get() != null) {
                finished.await(graceMillis, TimeUnit.MILLISECONDS);
                return failure.get();
            }
            long now = totalProgress();
            if (now == lastProgress && allBlocked()) {
                if (++quiet >= DEADLOCK_CHECKS) {
                    fail(-1, new JparException(describeDeadlock()));
                }
            } else {
                quiet = 0;
            }
            lastProgress = now;
        }
        return failure.get();
    }

    /** True when every rank has ended or sits alone (no other live thread) in a receive nobody completed. */
    private boolean allBlocked() {
        boolean anyWaiting = false;
        for (int r = 0; r < size; r++) {
            Thread t = threads[r];
            if (!t.isAlive()) {
                continue;
            }
            Waiting w = waitingOn.get(r);
            if (w == null || w.done() || t.getState() != Thread.State.WAITING || groups[r].activeCount() > 1) {
                return false;
            }
            anyWaiting = true;
        }
        return anyWaiting;
    }

    private String describeDeadlock() {
        StringBuilder sb = new StringBuilder("deadlock: every rank is waiting for a message that no rank can send");
        for (int r = 0; r < size; r++) {
            sb.append(System.lineSeparator()).append("  rank ").append(r).append(": ");
            if (!threads[r].isAlive()) {
                sb.append("finished");
            } else {
                Waiting w = waitingOn.get(r);
                sb.append("waits in ").append(w == null ? "?" : w.describe());
            }
            sb.append(boxes[r].describeUnreceived());
        }
        return sb.toString();
    }

    static Throwable unwrap(Throwable e) {
        while (e instanceof InvocationTargetException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    Thread thread(int r) {
        return threads[r];
    }
}
