package org.jpar.job;

import java.util.ArrayList;
import java.util.List;
import org.jpar.spi.LayerTrace;

/**
 * The master's own worker threads: each takes the next queued unit (they go before any rank, costing no message),
 * runs it and completes its jobs; one that dies of a fatal error is replaced and its unit rescheduled.
 */
final class LocalWorkers {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    private final Scheduler s;
    private final Units units;
    private final String prefix;
    private final List<Worker.Local> locals = new ArrayList<>();
    private int target;
    private int nextThread = 1;

    /**
     * @param prefix the start of the threads' names in statistics and messages ({@code thread } or
     *               {@code rank 0 thread })
     */
    LocalWorkers(Scheduler s, String prefix, int target) {
        this.s = s;
        this.units = s.units;
        this.prefix = prefix;
        this.target = target;
    }

    /** Under the lock: the number of threads wanted (running threads reach it after their current unit). */
    int target() {
        return target;
    }

    /** Under the lock: the threads that take units now. */
    int live() {
        return Math.min(locals.size(), target);
    }

    /** Under the lock: sets the number of threads, starting those missing; extra ones leave after their unit. */
    void setTarget(int n) {
        target = n;
        while (locals.size() < target) {
            start();
        }
        units.workAvailable.signalAll();
    }

    /** Under the lock: starts the threads missing. */
    void startMissing() {
        while (locals.size() < target) {
            start();
        }
    }

    /** @return the threads now (take the lock) */
    List<Worker.Local> threads() {
        units.lock.lock();
        try {
            return new ArrayList<>(locals);
        } finally {
            units.lock.unlock();
        }
    }

    /** Under the lock. */
    private void start() {
        Worker.Local w = new Worker.Local(prefix + nextThread++);
        Thread t = new Thread(() -> run(w), "jpar-job-" + w.name.replace(' ', '-'));
        t.setDaemon(true);
        w.thread = t;
        locals.add(w);
        s.stats.add(w);
        t.start();
    }

    private void run(Worker.Local w) {
        Unit u = null;
        Unit previous = null; // its jobs are complete; counted as finished when the next unit is taken
        try {
            while (true) {
                units.lock.lock();
                try {
                    if (previous != null) {
                        Unit p = previous;
                        previous = null;
                        units.finishedLocked(p);
                    }
                    while (true) {
                        if (units.stopped || locals.size() > target) {
                            locals.remove(w);
                            return;
                        }
                        u = units.queue.poll();
                        if (u != null) {
                            break;
                        }
                        units.waitingLocals++;
                        try {
                            units.workAvailable.awaitUninterruptibly();
                        } finally {
                            units.waitingLocals--;
                        }
                    }
                    u.owner = w;
                    u.starts++;
                    w.running = u;
                } finally {
                    units.lock.unlock();
                }
                int n = u.jobs.length;
                Object[] values = new Object[n];
                Throwable[] failures = new Throwable[n];
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    try {
                        values[i] = Wire.run(u.fn, u.itemArgs(i));
                    } catch (Throwable t) {
                        if (Failures.isFatal(t)) {
                            throw t;
                        }
                        failures[i] = Failures.forJob(Failures.trim(t));
                    }
                }
                long nanos = System.nanoTime() - start;
                LayerTrace.span(0, "task (" + n + " job" + (n == 1 ? ")" : "s)"), start); // the master is rank 0
                Unit done = u;
                u = null;
                units.lock.lock();
                try {
                    w.running = null;
                    s.stats.account(w, done, nanos, failures);
                    units.settlingLocked(done);
                } finally {
                    units.lock.unlock();
                }
                s.progress.completed(n);
                try {
                    complete(w, done, values, failures, nanos);
                } finally {
                    previous = done;
                }
            }
        } catch (Throwable fatal) {
            if (previous != null) {
                // a fatal error while its jobs were being completed: those not done yet fail with it, never lost
                for (Job<Object> job : previous.jobs) {
                    if (!job.isDone()) {
                        Recovery.failQuietly(job, new JobFailedException(job.label() + " ran on " + w.name + " but "
                                + "its outcome was lost when the worker died: " + Failures.describe(fatal), job.id(),
                                w.name, Failures.forJob(fatal)), w.name);
                    }
                }
                units.finished(previous);
            }
            died(w, u, fatal);
        }
    }

    /** Completes the jobs of a unit this thread ran (journal first); throws only a fatal error. */
    private void complete(Worker.Local w, Unit done, Object[] values, Throwable[] failures, long nanos) {
        int n = done.jobs.length;
        for (int i = 0; i < n; i++) {
            Job<Object> job = done.jobs[i];
            try {
                if (failures[i] == null) {
                    if (done.fingerprints != null) {
                        s.recall.keep(done.fingerprints[i], values[i]);
                    }
                    job.succeed(values[i], w.name, nanos / n);
                } else {
                    job.fail(JobFailedException.threw(job.label(), job.id(), w.name, failures[i]), w.name, nanos / n);
                }
            } catch (Throwable e) {
                Failures.rethrowIfFatal(e);
                job.fail(new JobFailedException(job.label() + " ran on " + w.name + " but its outcome "
                        + "could not be recorded: " + Failures.describe(e), job.id(), w.name,
                        Failures.forJob(e)), w.name, nanos / n);
            }
        }
    }

    /** A thread ended abnormally: its unit goes to the other workers, and a new thread replaces it. */
    private void died(Worker.Local w, Unit u, Throwable fatal) {
        List<Remotes.Assignment> plan;
        List<Unit> lost;
        String death = Failures.describe(fatal);
        Throwable noReplacement = null;
        units.lock.lock();
        try {
            w.death = death;
            s.recovery.lastDeath = w.name + ": " + death;
            w.running = null;
            locals.remove(w);
            if (!units.stopped && locals.size() < target) {
                try {
                    start();
                } catch (Throwable e) {
                    noReplacement = e;
                }
            }
            lost = u == null ? List.of() : s.recovery.reschedule(List.of(u));
            plan = s.remotes.plan();
        } finally {
            units.lock.unlock();
        }
        LOG.log(System.Logger.Level.WARNING, "jpar " + s.kind + ": worker " + w.name + " died (" + death + ")"
                + (u == null ? "" : lost.isEmpty() ? "; its job is rescheduled on the other workers"
                        : "; its job is given up: every worker that ran it died")
                + (noReplacement == null ? "" : "; no thread could be started to replace it ("
                        + Failures.describe(noReplacement) + ")"), Failures.forJob(fatal));
        s.recovery.giveUp(lost, w.name, fatal);
        s.remotes.send(plan);
    }
}
