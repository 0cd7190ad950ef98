package org.jpar.job;

import java.util.ArrayList;
import java.util.List;

import org.jpar.JparException;

/**
 * The failure policy: units of a worker that died go back to the queue up to {@code maxAttempts} starts, then are
 * given up; a lost run (a rank of the SPMD job, the transport) fails every unfinished job.
 */
final class Recovery {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final Scheduler s;
    private final Units units;
    private final int maxAttempts;
    /** The last worker that died and why ({@code rank 1: java.lang.OutOfMemoryError: ...}), or null. */
    String lastDeath;

    Recovery(Scheduler s, int maxAttempts) {
        this.s = s;
        this.units = s.units;
        this.maxAttempts = maxAttempts;
    }

    /**
     * Under the lock: puts units that were lost with a worker back at the head of the queue.
     *
     * @return those that were started {@code maxAttempts} times already: they are given up
     */
    List<Unit> reschedule(List<Unit> lostUnits) {
        List<Unit> lost = new ArrayList<>();
        for (int i = lostUnits.size() - 1; i >= 0; i--) {
            Unit u = lostUnits.get(i);
            u.owner = null;
            if (u.starts >= maxAttempts) {
                lost.add(u);
            } else {
                units.queue.addFirst(u);
                units.workAvailable.signal();
            }
        }
        if (s.liveWorkers() == 0) {
            lost.addAll(units.queue);
            units.queue.clear();
        }
        return lost;
    }

    /** Fails the jobs of units that no worker will run (not under the lock). */
    void giveUp(List<Unit> lost, String worker, Throwable why) {
        for (Unit u : lost) {
            s.progress.completed(u.jobs.length);
            for (Job<Object> job : u.jobs) {
                String described = Failures.describe(why);
                String msg = liveWorkersNow() == 0
                        ? job.label() + " cannot run: every worker has died (the last, " + worker + ": " + described
                                + ")"
                        : job.label() + " was given up after " + u.starts + " attempts: every worker that ran it died"
                                + " (the last, " + worker + ": " + described + ")";
                failQuietly(job, new JobFailedException(msg, job.id(), worker, Failures.forJob(why)), worker);
            }
            units.finished(u);
        }
    }

    private int liveWorkersNow() {
        units.lock.lock();
        try {
            return s.liveWorkers();
        } finally {
            units.lock.unlock();
        }
    }

    /** Fails {@code job}; never throws (the last resort of a dying worker). */
    static void failQuietly(Job<Object> job, JparException why, String worker) {
        try {
            job.fail(why, worker, 0);
        } catch (Throwable ignored) {
            // nothing more can be done for it; its completion future keeps the first outcome
        }
    }

    /** Under the lock: the error for a submission that no worker is left to run. */
    JparException noWorkerLeft() {
        boolean server = "JobServer".equals(s.kind);
        return new JparException((server ? "submit" : "map/apply") + ": no worker is left in this " + s.kind + ": "
                + (lastDeath == null ? "none serves" : "every worker died (the last, " + lastDeath + ")")
                + " and it has no threads of its own (localWorkers " + s.locals.target() + "); "
                + (server ? "add some with setLocalWorkers(n) before submitting"
                        : "close it and create a Pool with JobSettings.localWorkers(1) or more"));
    }

    /** The SPMD job lost a rank (or the transport failed): every unfinished job fails with it. */
    void abort(JparException e) {
        List<Unit> failed = new ArrayList<>();
        int done;
        units.lock.lock();
        try {
            if (units.aborted != null) {
                return;
            }
            units.aborted = e;
            units.stopped = true;
            failed.addAll(units.queue);
            units.queue.clear();
            failed.addAll(s.remotes.takeInFlight());
            done = (int) (units.nextJob - 1) - units.unfinishedTotal;
            units.workAvailable.signalAll();
            units.jobFinished.signalAll();
        } finally {
            units.lock.unlock();
        }
        int lostJobs = 0;
        for (Unit u : failed) {
            lostJobs += u.jobs.length;
        }
        LOG.log(System.Logger.Level.ERROR, "jpar " + s.kind + ": the run was stopped (" + e.getMessage() + "); "
                + done + " job(s) were done, " + lostJobs + " will not be"
                + (s.journal == null ? "" : "; the finished results are kept in journal " + s.journal.file()
                        + ": run the program again to complete only the missing ones"));
        for (Unit u : failed) {
            s.progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.fail(e, null, 0);
            }
            units.finished(u);
        }
    }
}
