package org.jpar.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.jpar.Communicator;
import org.jpar.JobAbortedException;
import org.jpar.JparException;
import org.jpar.spi.LayerChannel;
import org.jpar.spi.LayerCodec;

/**
 * The master's side of a {@link Pool} or {@link JobServer}, and where its parts meet: submitting, waiting, closing.
 * Dynamic load balancing: whoever is idle gets the next unit. The parts, each with one job: {@link Units} (the queue,
 * the jobs' states, the one lock), {@link LocalWorkers} (the master's threads), {@link Remotes} (the other ranks:
 * batches out, results in), {@link Recovery} (retry, give up, abort), {@link Recall} (the journal's use) and
 * {@link StatsBook} (statistics).
 *
 * <p>Locking: one lock ({@link Units#lock}) guards the queue, the workers and the counters. User code (tasks,
 * callbacks) and messages never run under it.
 */
final class Scheduler {

    final String kind;
    final Journal journal;
    /** The journal's use: null without one. */
    final Recall recall;
    final Progress progress;
    final LayerCodec encoder;
    final LayerCodec decoder;
    final Units units = new Units();
    final StatsBook stats = new StatsBook();
    final Recovery recovery;
    final LocalWorkers locals;
    final Remotes remotes;
    /** The job layer's message space on the world (null when alone). */
    private final LayerChannel channel;
    private final long joinTimeoutNanos;

    private Scheduler(String kind, Communicator world, LayerChannel channel, JobSettings settings) {
        this.kind = kind;
        this.channel = channel;
        int rank = world == null ? 0 : world.rank();
        int size = world == null ? 1 : world.size();
        ClassLoader loader = contextLoader();
        this.encoder = new LayerCodec(loader);
        this.decoder = new LayerCodec(loader);
        this.joinTimeoutNanos = settings.joinTimeout().toNanos();
        this.recovery = new Recovery(this, settings.maxAttempts());
        this.remotes = new Remotes(this, channel, rank, size);
        int n = settings.localWorkers();
        int localTarget = n >= 0 ? n : size > 1 ? 1 : Runtime.getRuntime().availableProcessors();
        if (localTarget == 0 && size == 1) {
            throw new JparException(kind + ": localWorkers(0) leaves no worker at all: the master is alone (1 rank); "
                    + "give it at least 1 worker thread, or run with more ranks");
        }
        this.locals = new LocalWorkers(this, size > 1 ? "rank " + rank + " thread " : "thread ", localTarget);
        this.journal = settings.journal() == null ? null : Journal.open(settings.journal());
        this.recall = journal == null ? null : new Recall(this, journal);
        this.progress = Progress.start(settings.progressBar(), kind);
    }

    /**
     * Starts a server over {@code world}: on rank 0, returns the master's scheduler; on every other rank, serves
     * until the master closes, then returns null.
     */
    static Scheduler start(String kind, Communicator world, JobSettings settings) {
        if (world.isClosed()) {
            throw new JparException(kind + ": rank " + world.rank() + " already called Par.finish() (or closed its "
                    + "communicator); create the " + kind + " before that");
        }
        if (world.rank() != 0) {
            Serve.serve(world, contextLoader());
            return null;
        }
        LayerChannel channel = null;
        if (world.size() > 1 && (channel = LayerChannel.tryOpen(world, Wire.LAYER, Wire.SLOT)) == null) {
            throw new JparException(kind + ": a Pool or JobServer is already open on " + world
                    + "; the other ranks serve one at a time: close it before creating another");
        }
        Scheduler s;
        try {
            s = new Scheduler(kind, world, channel, settings);
        } catch (RuntimeException | Error e) {
            if (channel != null) {
                channel.close();
            }
            throw e;
        }
        try {
            s.launch();
            return s;
        } catch (RuntimeException | Error e) {
            try {
                s.close();
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** A server of {@code workers} threads in this process only (no other rank takes part). */
    static Scheduler local(String kind, int workers, JobSettings settings) {
        JobSettings.checkWorkers(workers, kind + ".local: workers");
        if (workers == 0) {
            throw new JparException(kind + ".local(0): a local server needs at least 1 worker thread");
        }
        Scheduler s = new Scheduler(kind, null, null, settings.localWorkers(workers));
        s.launch();
        return s;
    }

    private void launch() {
        units.lock.lock();
        try {
            locals.startMissing();
            remotes.addRows(stats);
        } finally {
            units.lock.unlock();
        }
        if (remotes.any()) {
            remotes.startDispatcher();
            Wire.warmUp(encoder, decoder);
            remotes.awaitJoined(joinTimeoutNanos);
        }
    }

    // ---------------------------------------------------------------- submitting

    /**
     * Submits {@code fn} over {@code calls} (one argument array per job). With {@code chunk > 0} (a map), the jobs
     * are grouped {@code chunk} at a time into units of one argument each; with 0, every call is its own unit.
     *
     * @param labels "map" to name jobs by their map input in messages, else null
     * @return one job per call, in order
     */
    List<Job<Object>> submit(String group, Object fn, List<Object[]> calls, int chunk, String labels,
            Consumer<Job<Object>> onComplete) {
        int n = calls.size();
        byte[][] fps = null;
        Recall.Kept[] kept = null;
        if (recall != null) {
            Recall.Found found = recall.lookUp(fn, calls);
            fps = found.fingerprints();
            kept = found.kept();
        }
        List<Job<Object>> jobs = new ArrayList<>(n);
        List<Job<Object>> fromJournal = new ArrayList<>();
        List<Object> fromJournalValues = new ArrayList<>();
        List<Remotes.Assignment> plan;
        units.lock.lock();
        try {
            if (units.closing) {
                throw new JparException("submit: this " + kind + " is closed");
            }
            if (units.aborted != null) {
                throw Units.fresh(units.aborted);
            }
            int toRun = 0;
            for (int i = 0; i < n; i++) {
                if (kept == null || kept[i] == null) {
                    toRun++;
                }
            }
            if (toRun > 0 && liveWorkers() == 0) {
                throw recovery.noWorkerLeft();
            }
            List<Integer> pending = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Job<Object> job = new Job<>(units.nextJob++, group, labels == null ? -1 : i);
                if (onComplete != null) {
                    job.whenComplete(onComplete);
                }
                jobs.add(job);
                if (kept != null && kept[i] != null) {
                    fromJournal.add(job);
                    fromJournalValues.add(kept[i].value());
                } else {
                    pending.add(i);
                }
            }
            int step = chunk > 0 ? chunk : 1;
            for (int from = 0; from < pending.size(); from += step) {
                int to = Math.min(pending.size(), from + step);
                @SuppressWarnings({"unchecked", "rawtypes"})
                Job<Object>[] js = new Job[to - from];
                byte[][] fp = fps == null ? null : new byte[to - from][];
                Object[] args;
                if (chunk > 0) {
                    args = new Object[to - from];
                    for (int k = from; k < to; k++) {
                        args[k - from] = calls.get(pending.get(k))[0];
                    }
                } else {
                    args = calls.get(pending.get(from));
                }
                for (int k = from; k < to; k++) {
                    js[k - from] = jobs.get(pending.get(k));
                    if (fp != null) {
                        fp[k - from] = fps[pending.get(k)];
                    }
                }
                units.add(new Unit(units.nextUnit++, fn, args, chunk > 0, js, fp));
            }
            units.submitted(group, pending.size());
            stats.fromJournal(fromJournal.size());
            plan = remotes.plan();
        } finally {
            units.lock.unlock();
        }
        progress.submitted(n);
        progress.completed(fromJournal.size());
        for (int i = 0; i < fromJournal.size(); i++) {
            fromJournal.get(i).succeed(fromJournalValues.get(i), "journal", 0);
        }
        remotes.send(plan);
        return jobs;
    }

    /** Cancels those of {@code jobs} that have not started; the others run to their end. */
    void cancel(List<Job<Object>> jobs, String why) {
        Set<Job<Object>> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(jobs);
        List<Unit> dropped;
        units.lock.lock();
        try {
            dropped = units.removeQueued(set);
        } finally {
            units.lock.unlock();
        }
        for (Unit u : dropped) {
            progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.cancel(why);
            }
            units.finished(u);
        }
    }

    /** Blocks until every job of {@code group} (every job if null) submitted so far is done. */
    void await(String group) {
        units.await(group);
    }

    /** @return {@code call} encoded to travel to a rank (or to fingerprint a job) */
    byte[] encodeCall(Wire.Call call) {
        try {
            return encoder.encode(call);
        } catch (Throwable e) {
            Failures.rethrowIfFatal(e);
            throw new JparException("its task (" + call.fn().getClass().getName() + ") or its arguments cannot be "
                    + "encoded: " + (e instanceof JparException ? e.getMessage() : Failures.describe(e)) + "; a task must be a lambda or method reference of a jpar task "
                    + "type (Task, BiTask, CallableTask), and what it captures and its arguments must be encodable", e);
        }
    }

    // ---------------------------------------------------------------- workers

    /** @return the workers that take jobs now: local threads and live ranks */
    int workers() {
        units.lock.lock();
        try {
            return liveWorkers();
        } finally {
            units.lock.unlock();
        }
    }

    /** @return the master's worker threads (the target, which running threads reach after their current unit) */
    int localWorkers() {
        units.lock.lock();
        try {
            return locals.target();
        } finally {
            units.lock.unlock();
        }
    }

    /** pp's {@code set_ncpus}: changes the number of the master's worker threads. */
    void setLocalWorkers(int n) {
        JobSettings.checkWorkers(n, "setWorkers");
        units.lock.lock();
        try {
            if (units.closing) {
                throw new JparException("setWorkers: this " + kind + " is closed");
            }
            if (n == 0 && remotes.live() == 0) {
                throw new JparException("setWorkers(0) would leave no worker: no other rank serves this " + kind
                        + "; keep at least 1 local worker");
            }
            locals.setTarget(n);
        } finally {
            units.lock.unlock();
        }
    }

    /** Under the lock: the workers that take jobs now. */
    int liveWorkers() {
        return locals.live() + remotes.live();
    }

    // ---------------------------------------------------------------- closing, statistics

    /**
     * Waits for every submitted job, stops the workers (the other ranks leave their serve loop) and releases the
     * journal. Idempotent. If the waiting thread is interrupted, the jobs not done are cancelled instead.
     *
     * @throws JobAbortedException if the SPMD job lost a rank meanwhile
     * @throws JparException       if interrupted while waiting (the interrupt flag stays set)
     */
    void close() {
        boolean interrupted = false;
        List<Unit> abandoned = new ArrayList<>();
        units.lock.lock();
        try {
            if (units.closing) {
                return;
            }
            units.closing = true;
            while (units.unfinishedTotal > 0 && units.aborted == null) {
                try {
                    units.jobFinished.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            units.stopped = true;
            if (interrupted) {
                abandoned.addAll(units.queue);
                units.queue.clear();
                abandoned.addAll(remotes.takeInFlight());
            }
            units.workAvailable.signalAll();
        } finally {
            units.lock.unlock();
        }
        for (Unit u : abandoned) {
            progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.cancel("the " + kind + " was closed by an interrupted thread");
            }
            units.finished(u);
        }
        try {
            for (Worker.Local w : locals.threads()) {
                joinQuietly(w.thread, 0);
            }
            remotes.stop();
        } finally {
            progress.close();
            if (journal != null) {
                journal.close();
            }
            if (channel != null) {
                channel.close();
            }
        }
        if (units.aborted != null) {
            throw Units.fresh(units.aborted);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new JparException("close: interrupted while waiting for the jobs of this " + kind + "; "
                    + abandoned.size() + " unit(s) of work not done were cancelled");
        }
    }

    /** @return a snapshot of the statistics */
    JobStats stats() {
        units.lock.lock();
        try {
            return stats.snapshot(units.unfinishedTotal - units.settlingTotal, liveWorkers());
        } finally {
            units.lock.unlock();
        }
    }

    /** @return how many results the journal held when it was opened (0 without a journal) */
    int journalKept() {
        return journal == null ? 0 : journal.kept();
    }

    /** Waits for {@code t} to end, at most {@code millis} (0: for ever), keeping an interrupt for later. */
    static void joinQuietly(Thread t, long millis) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (t.isAlive()) {
            long left = millis == 0 ? 0 : (deadline - System.nanoTime()) / 1_000_000;
            if (millis != 0 && left <= 0) {
                break;
            }
            try {
                t.join(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static ClassLoader contextLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Scheduler.class.getClassLoader();
    }
}
