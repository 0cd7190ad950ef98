package org.jpar.job;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jpar.JobAbortedException;
import org.jpar.JparException;

/**
 * The master's queue of units, the count of unfinished jobs per group and the run's state, under the scheduler's one
 * lock, which every part of the scheduler takes. User code (tasks, callbacks) and messages never run under it.
 */
final class Units {
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a unit is queued or the workers must look at the state (stop, fewer threads). */
    final Condition workAvailable = lock.newCondition();
    /** Signalled when jobs finish, a rank joins, or the run is aborted. */
    final Condition jobFinished = lock.newCondition();
    final ArrayDeque<Unit> queue = new ArrayDeque<>();
    private final Map<String, Integer> unfinished = new HashMap<>();
    int unfinishedTotal;
    /** Jobs of {@link Unit#settling} units: counted in {@link #unfinishedTotal}, not active in the statistics. */
    int settlingTotal;
    /** Local worker threads waiting for work: they take queued units for free, before any rank is sent them. */
    int waitingLocals;
    long nextJob = 1;
    long nextUnit = 1;
    boolean closing;
    boolean stopped;
    JparException aborted;

    /** Under the lock: queues a new unit. */
    void add(Unit u) {
        queue.add(u);
        workAvailable.signal();
    }

    /** Under the lock: {@code n} jobs of {@code group} were queued. */
    void submitted(String group, int n) {
        unfinished.merge(group, n, Integer::sum);
        unfinishedTotal += n;
    }

    /** Under the lock: takes the queued units whose jobs are in {@code jobs} out of the queue. */
    List<Unit> removeQueued(Set<Job<Object>> jobs) {
        List<Unit> removed = new ArrayList<>();
        for (Iterator<Unit> it = queue.iterator(); it.hasNext(); ) {
            Unit u = it.next();
            if (jobs.contains(u.jobs[0])) {
                it.remove();
                removed.add(u);
            }
        }
        return removed;
    }

    /** Blocks until every job of {@code group} (every job if null) submitted so far is done. */
    void await(String group) {
        lock.lock();
        try {
            while ((group == null ? unfinishedTotal : unfinished.getOrDefault(group, 0)) > 0 && aborted == null) {
                try {
                    jobFinished.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new JparException("interrupted while waiting for the jobs of "
                            + (group == null ? "every group" : "group " + group), e);
                }
            }
            if (aborted != null) {
                throw fresh(aborted);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Its jobs are done (completed before): counts them, wakes whoever waits. */
    void finished(Unit u) {
        lock.lock();
        try {
            finishedLocked(u);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: as {@link #finished}. */
    void finishedLocked(Unit u) {
        if (u.settling) {
            u.settling = false;
            settlingTotal -= u.jobs.length;
        }
        unfinished.merge(u.jobs[0].group(), -u.jobs.length, Integer::sum);
        unfinishedTotal -= u.jobs.length;
        jobFinished.signalAll();
    }

    /** As {@link #settlingLocked}, taking the lock. */
    void settling(Unit u) {
        lock.lock();
        try {
            settlingLocked(u);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock, before a unit's jobs are completed: a caller woken by their completion may ask for the
     * statistics before {@link #finished} counts them, and must not see them as active.
     */
    void settlingLocked(Unit u) {
        if (!u.settling) {
            u.settling = true;
            settlingTotal += u.jobs.length;
        }
    }

    /** @return a new exception like {@code e}, thrown to each caller (the stack trace is the caller's) */
    static JparException fresh(JparException e) {
        if (e instanceof JobAbortedException a) {
            return new JobAbortedException(a.failedRank(), a.getCause());
        }
        return new JparException(e.getMessage(), e);
    }
}
