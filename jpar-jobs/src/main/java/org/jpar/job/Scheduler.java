package org.jpar.job;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.JobAbortedException;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;
import org.jpar.spi.LayerChannel;
import org.jpar.spi.LayerCodec;

/**
 * The master's side of a {@link Pool} or {@link JobServer}: a queue of units of work, the local worker threads that
 * take from it, and the other ranks, fed by message. Dynamic load balancing: whoever is idle gets the next unit; a
 * rank gets several at once only when units are measured to be short (so that messages do not dominate), never more
 * than its fair share of what is queued. A dispatcher thread receives the ranks' results.
 *
 * <p>Locking: one lock guards the queue, the workers and the counters. User code (tasks, callbacks) and transport
 * calls never run under it.
 */
final class Scheduler {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());
    /** A batch for a rank aims at this much work, when units are short. */
    private static final long BATCH_NANOS = 2_000_000;
    private static final int MAX_BATCH = 4096;

    /** A worker and its row in the statistics. */
    abstract static class Worker {
        final String name;
        long jobs;
        long failed;
        long nanos;
        String death;

        Worker(String name) {
            this.name = name;
        }
    }

    /** A thread of the master. */
    static final class Local extends Worker {
        Thread thread;
        Unit running;

        Local(String name) {
            super(name);
        }
    }

    /** Another rank. At most one message of work is out to it at a time. */
    static final class Remote extends Worker {
        final int rank;
        final List<Unit> inFlight = new ArrayList<>();
        boolean alive = true;
        /** It said {@link Wire#hello()}: it serves, work may be sent to it. */
        boolean joined;
        /** When the batch in flight was planned, and how many units it has. */
        long sentAt;
        int sentUnits;
        /** Measured cost of a unit on this rank, messages and encoding included (ns; -1 until measured). */
        double nanosPerUnit = -1;

        Remote(int rank) {
            super("rank " + rank);
            this.rank = rank;
        }
    }

    /** One unit of work: a call of {@code fn}, or a chunk of map inputs. */
    static final class Unit {
        final long id;
        final Object fn;
        final Object[] args;
        final boolean each;
        final Job<Object>[] jobs;
        final byte[][] fingerprints;
        byte[] wire;
        int starts;
        Worker owner;
        /** Its jobs are being completed: no longer active in the statistics, though not yet {@link #finished}. */
        boolean settling;

        Unit(long id, Object fn, Object[] args, boolean each, Job<Object>[] jobs, byte[][] fingerprints) {
            this.id = id;
            this.fn = fn;
            this.args = args;
            this.each = each;
            this.jobs = jobs;
            this.fingerprints = fingerprints;
        }

        Object[] itemArgs(int i) {
            return each ? new Object[] {args[i]} : args;
        }
    }

    private record Assignment(Remote to, List<Unit> units) {
    }

    private final String kind;
    /** The job layer's message space on the world (null when alone). */
    private final LayerChannel channel;
    private final int rank;
    private final String localPrefix;
    private final LayerCodec encoder;
    private final LayerCodec decoder;
    private final Journal journal;
    private final int maxAttempts;
    private final long joinTimeoutNanos;
    private final long created = System.nanoTime();
    private final Progress progress;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workAvailable = lock.newCondition();
    private final Condition jobFinished = lock.newCondition();
    private final ArrayDeque<Unit> queue = new ArrayDeque<>();
    private final Remote[] remotes;
    private final List<Local> locals = new ArrayList<>();
    private final List<Worker> rows = new ArrayList<>();
    private final Worker journalRow = new Local("journal");
    private final Map<String, Integer> unfinished = new HashMap<>();
    private int unfinishedTotal;
    /** Jobs of {@link Unit#settling} units: counted in {@link #unfinishedTotal}, not active in {@link #stats}. */
    private int settlingTotal;
    private int localTarget;
    /** Local worker threads waiting for work: they take queued units for free, before any rank is sent them. */
    private int waitingLocals;
    private int nextThread = 1;
    private long nextJob = 1;
    private long nextUnit = 1;
    private double meanUnitNanos = -1;
    private boolean closing;
    private boolean stopped;
    private JparException aborted;
    private Thread dispatcher;
    /** The last worker that died and why ({@code rank 1: java.lang.OutOfMemoryError: ...}), or null. */
    private String lastDeath;

    private Scheduler(String kind, Communicator world, LayerChannel channel, JobSettings settings) {
        this.kind = kind;
        this.channel = channel;
        this.rank = world == null ? 0 : world.rank();
        int size = world == null ? 1 : world.size();
        this.localPrefix = size > 1 ? "rank " + rank + " thread " : "thread ";
        ClassLoader loader = contextLoader();
        this.encoder = new LayerCodec(loader);
        this.decoder = new LayerCodec(loader);
        this.maxAttempts = settings.maxAttempts();
        this.joinTimeoutNanos = settings.joinTimeout().toNanos();
        this.remotes = new Remote[size];
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                remotes[r] = new Remote(r);
            }
        }
        int n = settings.localWorkers();
        this.localTarget = n >= 0 ? n : size > 1 ? 1 : Runtime.getRuntime().availableProcessors();
        if (localTarget == 0 && size == 1) {
            throw new JparException(kind + ": localWorkers(0) leaves no worker at all: the master is alone (1 rank); "
                    + "give it at least 1 worker thread, or run with more ranks");
        }
        this.journal = settings.journal() == null ? null : Journal.open(settings.journal());
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
        lock.lock();
        try {
            while (locals.size() < localTarget) {
                startLocal();
            }
            for (Remote r : remotes) {
                if (r != null) {
                    rows.add(r);
                }
            }
        } finally {
            lock.unlock();
        }
        if (remotes.length > 1) {
            dispatcher = new Thread(this::dispatch, "jpar-job-dispatcher");
            dispatcher.setDaemon(true);
            dispatcher.start();
            Wire.warmUp(encoder, decoder);
            awaitJoined();
        }
    }

    /**
     * Waits until every other rank serves (each warms its codec first), at most the join timeout; a rank that has
     * not joined by then is reported, gets no work until it joins, and does not hold the others up.
     */
    private void awaitJoined() {
        long deadline = System.nanoTime() + joinTimeoutNanos;
        List<String> missing = new ArrayList<>();
        lock.lock();
        try {
            while (aborted == null) {
                missing.clear();
                for (Remote r : remotes) {
                    if (r != null && !r.joined) {
                        missing.add(Integer.toString(r.rank));
                    }
                }
                long left = deadline - System.nanoTime();
                if (missing.isEmpty() || left <= 0) {
                    break;
                }
                jobFinished.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        if (aborted != null) {
            throw fresh(aborted);
        }
        if (!missing.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "jpar " + kind + ": rank" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + " did not join within " + joinTimeoutNanos / 1_000_000 + " ms; "
                    + "every rank must create the " + kind + " (SPMD: all ranks run the same line); until they do, "
                    + "the other workers take their share");
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
        Object[] kept = null;
        if (journal != null) {
            fps = new byte[n][];
            kept = new Object[n];
            byte[] code;
            try {
                code = TaskCode.identity(fn);
            } catch (java.io.UncheckedIOException e) {
                throw new JparException("submit: with a journal, every job is bound to its task's code, and this "
                        + "task's cannot be read: " + e.getMessage(), e);
            }
            for (int i = 0; i < n; i++) {
                try {
                    fps[i] = Journal.fingerprint(code, encodeCall(new Wire.Call(fn, calls.get(i), false)));
                } catch (JparException e) {
                    throw new JparException("submit: with a journal, every job is encoded to be recognized on a "
                            + "rerun, and this one cannot be: " + e.getMessage(), e);
                }
                byte[] value = journal.lookup(fps[i]);
                if (value != null) {
                    try {
                        kept[i] = new Kept(decoder.decode(value));
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "journal " + journal.file() + ": a kept result cannot be"
                                + " decoded (" + e + "); the job runs again");
                    }
                }
            }
        }
        List<Job<Object>> jobs = new ArrayList<>(n);
        List<Job<Object>> fromJournal = new ArrayList<>();
        List<Object> fromJournalValues = new ArrayList<>();
        List<Assignment> plan;
        lock.lock();
        try {
            if (closing) {
                throw new JparException("submit: this " + kind + " is closed");
            }
            if (aborted != null) {
                throw fresh(aborted);
            }
            int toRun = 0;
            for (int i = 0; i < n; i++) {
                if (kept == null || kept[i] == null) {
                    toRun++;
                }
            }
            if (toRun > 0 && liveWorkers() == 0) {
                throw noWorkerLeft();
            }
            List<Integer> pending = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Job<Object> job = new Job<>(nextJob++, group, labels == null ? -1 : i);
                if (onComplete != null) {
                    job.whenComplete(onComplete);
                }
                jobs.add(job);
                if (kept != null && kept[i] != null) {
                    fromJournal.add(job);
                    fromJournalValues.add(((Kept) kept[i]).value());
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
                queue.add(new Unit(nextUnit++, fn, args, chunk > 0, js, fp));
                workAvailable.signal();
            }
            unfinished.merge(group, pending.size(), Integer::sum);
            unfinishedTotal += pending.size();
            journalRow.jobs += fromJournal.size();
            plan = planRemote();
        } finally {
            lock.unlock();
        }
        progress.submitted(n);
        progress.completed(fromJournal.size());
        for (int i = 0; i < fromJournal.size(); i++) {
            fromJournal.get(i).succeed(fromJournalValues.get(i), "journal", 0);
        }
        send(plan);
        return jobs;
    }

    private record Kept(Object value) {
    }

    /** Under the lock: the error for a submission that no worker is left to run. */
    private JparException noWorkerLeft() {
        boolean server = "JobServer".equals(kind);
        return new JparException((server ? "submit" : "map/apply") + ": no worker is left in this " + kind + ": "
                + (lastDeath == null ? "none serves" : "every worker died (the last, " + lastDeath + ")")
                + " and it has no threads of its own (localWorkers " + localTarget + "); "
                + (server ? "add some with setLocalWorkers(n) before submitting"
                        : "close it and create a Pool with JobSettings.localWorkers(1) or more"));
    }

    /** Cancels those of {@code jobs} that have not started; the others run to their end. */
    void cancel(List<Job<Object>> jobs, String why) {
        Set<Job<Object>> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(jobs);
        List<Unit> dropped = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Unit> it = queue.iterator(); it.hasNext(); ) {
                Unit u = it.next();
                if (set.contains(u.jobs[0])) {
                    it.remove();
                    dropped.add(u);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Unit u : dropped) {
            progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.cancel(why);
            }
            finished(u);
        }
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

    // ---------------------------------------------------------------- workers

    /** @return the workers that take jobs now: local threads and live ranks */
    int workers() {
        lock.lock();
        try {
            return liveWorkers();
        } finally {
            lock.unlock();
        }
    }

    /** @return the master's worker threads (the target, which running threads reach after their current unit) */
    int localWorkers() {
        lock.lock();
        try {
            return localTarget;
        } finally {
            lock.unlock();
        }
    }

    /** pp's {@code set_ncpus}: changes the number of the master's worker threads. */
    void setLocalWorkers(int n) {
        JobSettings.checkWorkers(n, "setWorkers");
        lock.lock();
        try {
            if (closing) {
                throw new JparException("setWorkers: this " + kind + " is closed");
            }
            if (n == 0 && liveRemotes() == 0) {
                throw new JparException("setWorkers(0) would leave no worker: no other rank serves this " + kind
                        + "; keep at least 1 local worker");
            }
            localTarget = n;
            while (locals.size() < localTarget) {
                startLocal();
            }
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private int liveWorkers() {
        return Math.min(locals.size(), localTarget) + liveRemotes();
    }

    private int liveRemotes() {
        int n = 0;
        for (Remote r : remotes) {
            if (r != null && r.alive) {
                n++;
            }
        }
        return n;
    }

    /** Under the lock. */
    private void startLocal() {
        Local w = new Local(localPrefix + nextThread++);
        Thread t = new Thread(() -> runLocal(w), "jpar-job-" + w.name.replace(' ', '-'));
        t.setDaemon(true);
        w.thread = t;
        locals.add(w);
        rows.add(w);
        t.start();
    }

    private void runLocal(Local w) {
        Unit u = null;
        Unit previous = null; // its jobs are complete; counted as finished when the next unit is taken
        try {
            while (true) {
                lock.lock();
                try {
                    if (previous != null) {
                        Unit p = previous;
                        previous = null;
                        finishedLocked(p);
                    }
                    while (true) {
                        if (stopped || locals.size() > localTarget) {
                            locals.remove(w);
                            return;
                        }
                        u = queue.poll();
                        if (u != null) {
                            break;
                        }
                        waitingLocals++;
                        try {
                            workAvailable.awaitUninterruptibly();
                        } finally {
                            waitingLocals--;
                        }
                    }
                    u.owner = w;
                    u.starts++;
                    w.running = u;
                } finally {
                    lock.unlock();
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
                Unit done = u;
                u = null;
                lock.lock();
                try {
                    w.running = null;
                    account(w, done, nanos, failures);
                    settlingLocked(done);
                } finally {
                    lock.unlock();
                }
                progress.completed(n);
                try {
                    for (int i = 0; i < n; i++) {
                        Job<Object> job = done.jobs[i];
                        try {
                            if (failures[i] == null) {
                                if (done.fingerprints != null) {
                                    keep(done.fingerprints[i], values[i]);
                                }
                                job.succeed(values[i], w.name, nanos / n);
                            } else {
                                job.fail(JobFailedException.threw(job.label(), job.id(), w.name, failures[i]), w.name,
                                        nanos / n);
                            }
                        } catch (Throwable e) {
                            Failures.rethrowIfFatal(e);
                            job.fail(new JobFailedException(job.label() + " ran on " + w.name + " but its outcome "
                                    + "could not be recorded: " + Failures.describe(e), job.id(), w.name,
                                    Failures.forJob(e)), w.name, nanos / n);
                        }
                    }
                } finally {
                    previous = done;
                }
            }
        } catch (Throwable fatal) {
            if (previous != null) {
                // a fatal error while its jobs were being completed: those not done yet fail with it, never lost
                for (Job<Object> job : previous.jobs) {
                    if (!job.isDone()) {
                        failQuietly(job, new JobFailedException(job.label() + " ran on " + w.name + " but its "
                                + "outcome was lost when the worker died: " + Failures.describe(fatal), job.id(),
                                w.name, Failures.forJob(fatal)), w.name);
                    }
                }
                finished(previous);
            }
            died(w, u, fatal);
        }
    }

    /** Fails {@code job}; never throws (the last resort of a dying worker). */
    private static void failQuietly(Job<Object> job, JparException why, String worker) {
        try {
            job.fail(why, worker, 0);
        } catch (Throwable ignored) {
            // nothing more can be done for it; its completion future keeps the first outcome
        }
    }

    /** A local worker's thread ended abnormally: its unit goes to the other workers, and a new thread replaces it. */
    private void died(Local w, Unit u, Throwable fatal) {
        List<Assignment> plan;
        List<Unit> lost;
        String death = Failures.describe(fatal);
        Throwable noReplacement = null;
        lock.lock();
        try {
            w.death = death;
            lastDeath = w.name + ": " + death;
            w.running = null;
            locals.remove(w);
            if (!stopped && locals.size() < localTarget) {
                try {
                    startLocal();
                } catch (Throwable e) {
                    noReplacement = e;
                }
            }
            lost = u == null ? List.of() : reschedule(List.of(u));
            plan = planRemote();
        } finally {
            lock.unlock();
        }
        LOG.log(System.Logger.Level.WARNING, "jpar " + kind + ": worker " + w.name + " died (" + death + ")"
                + (u == null ? "" : lost.isEmpty() ? "; its job is rescheduled on the other workers"
                        : "; its job is given up: every worker that ran it died")
                + (noReplacement == null ? "" : "; no thread could be started to replace it ("
                        + Failures.describe(noReplacement) + ")"), Failures.forJob(fatal));
        giveUp(lost, w.name, fatal);
        send(plan);
    }

    /**
     * Under the lock: puts units that were lost with a worker back at the head of the queue.
     *
     * @return those that were started {@code maxAttempts} times already: they are given up
     */
    private List<Unit> reschedule(List<Unit> units) {
        List<Unit> lost = new ArrayList<>();
        for (int i = units.size() - 1; i >= 0; i--) {
            Unit u = units.get(i);
            u.owner = null;
            if (u.starts >= maxAttempts) {
                lost.add(u);
            } else {
                queue.addFirst(u);
                workAvailable.signal();
            }
        }
        if (liveWorkers() == 0) {
            lost.addAll(queue);
            queue.clear();
        }
        return lost;
    }

    private void giveUp(List<Unit> lost, String worker, Throwable why) {
        for (Unit u : lost) {
            progress.completed(u.jobs.length);
            for (Job<Object> job : u.jobs) {
                String described = Failures.describe(why);
                String msg = liveWorkersNow() == 0
                        ? job.label() + " cannot run: every worker has died (the last, " + worker + ": " + described
                                + ")"
                        : job.label() + " was given up after " + u.starts + " attempts: every worker that ran it died"
                                + " (the last, " + worker + ": " + described + ")";
                failQuietly(job, new JobFailedException(msg, job.id(), worker, Failures.forJob(why)), worker);
            }
            finished(u);
        }
    }

    private int liveWorkersNow() {
        lock.lock();
        try {
            return liveWorkers();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: statistics of a finished unit. */
    private void account(Worker w, Unit u, long nanos, Object[] failures) {
        w.jobs += u.jobs.length;
        w.nanos += nanos;
        for (Object f : failures) {
            if (f != null) {
                w.failed++;
            }
        }
        meanUnitNanos = meanUnitNanos < 0 ? nanos : 0.8 * meanUnitNanos + 0.2 * nanos;
    }

    /** Its jobs are done (completed before): counts them, wakes whoever waits. */
    private void finished(Unit u) {
        lock.lock();
        try {
            finishedLocked(u);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: as {@link #finished}. */
    private void finishedLocked(Unit u) {
        if (u.settling) {
            u.settling = false;
            settlingTotal -= u.jobs.length;
        }
        unfinished.merge(u.jobs[0].group(), -u.jobs.length, Integer::sum);
        unfinishedTotal -= u.jobs.length;
        jobFinished.signalAll();
    }

    /**
     * Under the lock, before a unit's jobs are completed: a caller woken by their completion may ask for the
     * statistics before {@link #finished} counts them, and must not see them as active.
     */
    private void settlingLocked(Unit u) {
        if (!u.settling) {
            u.settling = true;
            settlingTotal += u.jobs.length;
        }
    }

    private void keep(byte[] fingerprint, Object value) {
        byte[] bytes;
        try {
            bytes = encoder.encode(value);
        } catch (Throwable e) {
            Failures.rethrowIfFatal(e);
            LOG.log(System.Logger.Level.WARNING, "journal " + journal.file() + ": a result of type "
                    + (value == null ? "null" : value.getClass().getName()) + " cannot be encoded; it will be computed again on a rerun");
            return;
        }
        journal.append(fingerprint, bytes);
    }

    // ---------------------------------------------------------------- other ranks

    /**
     * Under the lock: gives every idle live rank its next batch from the queue, out of the units that the master's
     * waiting threads are not about to take (those cost no message).
     */
    private List<Assignment> planRemote() {
        List<Assignment> plan = null;
        int spare = queue.size() - waitingLocals;
        for (Remote r : remotes) {
            if (spare <= 0) {
                break;
            }
            if (r == null || !r.alive || !r.inFlight.isEmpty() || stopped) {
                continue;
            }
            if (!r.joined) {
                continue;
            }
            int n = Math.min(spare, batchSize(r));
            spare -= n;
            List<Unit> batch = new ArrayList<>(n);
            for (int i = 0; i < n && !queue.isEmpty(); i++) {
                Unit u = queue.poll();
                u.owner = r;
                u.starts++;
                batch.add(u);
                r.inFlight.add(u);
            }
            r.sentAt = System.nanoTime();
            r.sentUnits = batch.size();
            if (plan == null) {
                plan = new ArrayList<>();
            }
            plan.add(new Assignment(r, batch));
        }
        return plan == null ? List.of() : plan;
    }

    /**
     * Under the lock: how many units the next batch for {@code r} holds: as many as make about {@link #BATCH_NANOS}
     * of work on it (by the measured cost of a unit there, messages included), at most a fair share of the queue.
     * One while nothing was measured.
     */
    private int batchSize(Remote r) {
        double perUnit = r.nanosPerUnit > 0 ? Math.max(meanUnitNanos, r.nanosPerUnit) : meanUnitNanos;
        if (perUnit < 0) {
            return 1;
        }
        long byTime = Math.max(1, (long) (BATCH_NANOS / Math.max(1.0, perUnit)));
        long fair = Math.max(1, queue.size() / (2L * Math.max(1, liveWorkers())));
        return (int) Math.min(MAX_BATCH, Math.min(byTime, fair));
    }

    /** Encodes and sends planned batches (not under the lock: a send may wait for its receiver). */
    private void send(List<Assignment> plan) {
        while (!plan.isEmpty()) {
            List<Unit> unsendable = new ArrayList<>();
            for (Assignment a : plan) {
                List<Unit> ok = new ArrayList<>(a.units().size());
                for (Unit u : a.units()) {
                    if (u.wire == null) {
                        try {
                            u.wire = encodeCall(new Wire.Call(u.fn, u.args, u.each));
                        } catch (JparException e) {
                            unsendable.add(u);
                            continue;
                        }
                    }
                    ok.add(u);
                }
                if (ok.isEmpty()) {
                    continue;
                }
                long[] ids = new long[ok.size()];
                byte[][] calls = new byte[ok.size()][];
                int[] items = new int[ok.size()];
                for (int i = 0; i < ok.size(); i++) {
                    ids[i] = ok.get(i).id;
                    calls[i] = ok.get(i).wire;
                    items[i] = ok.get(i).jobs.length;
                }
                try {
                    channel.send(new Wire.Work(ids, calls, items), a.to().rank, Wire.TAG_WORK);
                } catch (JparException e) {
                    abort(e);
                    return;
                }
            }
            if (unsendable.isEmpty()) {
                return;
            }
            lock.lock();
            try {
                for (Unit u : unsendable) {
                    ((Remote) u.owner).inFlight.remove(u);
                }
            } finally {
                lock.unlock();
            }
            for (Unit u : unsendable) {
                failUnsendable(u);
            }
            lock.lock();
            try {
                plan = planRemote();
            } finally {
                lock.unlock();
            }
        }
    }

    private void failUnsendable(Unit u) {
        JparException why;
        try {
            encodeCall(new Wire.Call(u.fn, u.args, u.each));
            return;
        } catch (JparException e) {
            why = e;
        }
        progress.completed(u.jobs.length);
        for (Job<Object> job : u.jobs) {
            job.fail(new JobFailedException(job.label() + " cannot be sent to another rank: " + why.getMessage(),
                    job.id(), null, why), null, 0);
        }
        finished(u);
    }

    private byte[] encodeCall(Wire.Call call) {
        try {
            return encoder.encode(call);
        } catch (Throwable e) {
            Failures.rethrowIfFatal(e);
            throw new JparException("its task (" + call.fn().getClass().getName() + ") or its arguments cannot be "
                    + "encoded: " + (e instanceof JparException ? e.getMessage() : Failures.describe(e)) + "; a task must be a lambda or method reference of a jpar task "
                    + "type (Task, BiTask, CallableTask), and what it captures and its arguments must be encodable", e);
        }
    }

    /**
     * The dispatcher thread: receives the ranks' results until the server is closed or the job aborted. On the
     * embedded engine a blocking receive parks; MPI's blocking receive spins on a core that the master's own worker
     * thread needs, so there it polls a nonblocking receive, pausing at most {@link #POLL_MAX_NANOS} in between.
     */
    private void dispatch() {
        boolean poll = !"threads".equals(channel.engine());
        try {
            while (true) {
                Envelope<Object> e = poll ? pollResult() : channel.receive(Par.ANY_SOURCE, Wire.TAG_RESULT);
                Object m = e.value();
                if (m == Wire.Signal.WAKE) {
                    lock.lock();
                    try {
                        if (stopped) {
                            return;
                        }
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                results(remotes[e.source()], (Wire.Results) m);
            }
        } catch (JparException e) {
            abort(e);
        } catch (RuntimeException | Error e) {
            abort(new JparException("jpar " + kind + ": the dispatcher failed: " + Failures.describe(e), e));
        }
    }

    private static final long POLL_MAX_NANOS = 200_000;

    private Envelope<Object> pollResult() {
        Request<Object> r = channel.ireceive(Par.ANY_SOURCE, Wire.TAG_RESULT);
        long pause = 1_000;
        long spinUntil = System.nanoTime() + 20_000;
        while (!r.isDone()) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(pause);
                pause = Math.min(POLL_MAX_NANOS, pause * 2);
            }
        }
        return r.awaitEnvelope();
    }

    private void results(Remote r, Wire.Results res) {
        List<Unit> units = new ArrayList<>(res.outcomes().length);
        List<Unit> lost = List.of();
        List<Assignment> plan;
        lock.lock();
        try {
            if (!r.joined) {
                r.joined = true;
                jobFinished.signalAll();
            }
            for (Wire.Outcome o : res.outcomes()) {
                Unit u = take(r, o.unit());
                units.add(u);
                if (u != null) {
                    account(r, u, o.nanos(), o.failures());
                }
            }
            if (r.inFlight.isEmpty() && r.sentUnits > 0) {
                double per = (System.nanoTime() - r.sentAt) / (double) r.sentUnits;
                r.nanosPerUnit = r.nanosPerUnit < 0 ? per : 0.7 * r.nanosPerUnit + 0.3 * per;
                r.sentUnits = 0;
            }
            if (res.death() != null) {
                r.alive = false;
                r.death = res.death();
                lastDeath = r.name + ": " + res.death();
                List<Unit> orphans = new ArrayList<>(r.inFlight);
                r.inFlight.clear();
                lost = reschedule(orphans);
            }
            plan = planRemote();
        } finally {
            lock.unlock();
        }
        if (res.death() != null) {
            LOG.log(System.Logger.Level.WARNING, "jpar " + kind + ": worker " + r.name + " died (" + res.death()
                    + "); its unfinished jobs are rescheduled on the other workers");
            giveUp(lost, r.name, new JparException(r.name + " died: " + res.death()));
        }
        send(plan);
        for (int k = 0; k < units.size(); k++) {
            Unit u = units.get(k);
            if (u != null) {
                complete(u, res.outcomes()[k], r.name);
            }
        }
    }

    private static Unit take(Remote r, long id) {
        for (Iterator<Unit> it = r.inFlight.iterator(); it.hasNext(); ) {
            Unit u = it.next();
            if (u.id == id) {
                it.remove();
                return u;
            }
        }
        return null;
    }

    private void complete(Unit u, Wire.Outcome o, String worker) {
        lock.lock();
        try {
            settlingLocked(u);
        } finally {
            lock.unlock();
        }
        progress.completed(u.jobs.length);
        long each = o.nanos() / u.jobs.length;
        for (int i = 0; i < u.jobs.length; i++) {
            Job<Object> job = u.jobs[i];
            try {
                byte[] value = o.values()[i];
                if (value != null) {
                    Object v;
                    try {
                        v = decoder.decode(value);
                    } catch (RuntimeException | LinkageError | StackOverflowError e) {
                        job.fail(new JobFailedException(job.label() + " ran on " + worker + " but its result cannot "
                                + "be decoded here: " + Failures.describe(e), job.id(), worker, Failures.forJob(e)),
                                worker, each);
                        continue;
                    }
                    if (u.fingerprints != null) {
                        journal.append(u.fingerprints[i], value);
                    }
                    job.succeed(v, worker, each);
                } else {
                    Throwable t = Failures.decode(o.failures()[i], decoder);
                    job.fail(JobFailedException.threw(job.label(), job.id(), worker, t), worker, each);
                }
            } catch (Throwable e) {
                if (!job.isDone()) {
                    failQuietly(job, new JobFailedException(job.label() + " ran on " + worker + " but its outcome "
                            + "could not be recorded: " + Failures.describe(e), job.id(), worker, Failures.forJob(e)),
                            worker);
                }
            }
        }
        finished(u);
    }

    /** The SPMD job lost a rank (or the transport failed): every unfinished job fails with it. */
    private void abort(JparException e) {
        List<Unit> failed = new ArrayList<>();
        int done;
        lock.lock();
        try {
            if (aborted != null) {
                return;
            }
            aborted = e;
            stopped = true;
            failed.addAll(queue);
            queue.clear();
            for (Remote r : remotes) {
                if (r != null) {
                    failed.addAll(r.inFlight);
                    r.inFlight.clear();
                }
            }
            done = (int) (nextJob - 1) - unfinishedTotal;
            workAvailable.signalAll();
            jobFinished.signalAll();
        } finally {
            lock.unlock();
        }
        int lostJobs = 0;
        for (Unit u : failed) {
            lostJobs += u.jobs.length;
        }
        LOG.log(System.Logger.Level.ERROR, "jpar " + kind + ": the run was stopped (" + e.getMessage() + "); "
                + done + " job(s) were done, " + lostJobs + " will not be"
                + (journal == null ? "" : "; the finished results are kept in journal " + journal.file()
                        + ": run the program again to complete only the missing ones"));
        for (Unit u : failed) {
            progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.fail(e, null, 0);
            }
            finished(u);
        }
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
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            while (unfinishedTotal > 0 && aborted == null) {
                try {
                    jobFinished.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            stopped = true;
            if (interrupted) {
                abandoned.addAll(queue);
                queue.clear();
                for (Remote r : remotes) {
                    if (r != null) {
                        abandoned.addAll(r.inFlight);
                        r.inFlight.clear();
                    }
                }
            }
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        for (Unit u : abandoned) {
            progress.completed(u.jobs.length);
            for (Job<Object> j : u.jobs) {
                j.cancel("the " + kind + " was closed by an interrupted thread");
            }
            finished(u);
        }
        try {
            List<Local> threads;
            lock.lock();
            try {
                threads = new ArrayList<>(locals);
            } finally {
                lock.unlock();
            }
            for (Local w : threads) {
                joinQuietly(w.thread, 0);
            }
            if (dispatcher != null) {
                // the dispatcher goes first: a rank told to stop may go on to the next Pool on this communicator
                // at once, and its hello is for that one
                if (aborted == null) {
                    try {
                        channel.send(Wire.Signal.WAKE, rank, Wire.TAG_RESULT);
                    } catch (JparException e) {
                        abort(e);
                    }
                }
                // when the job was aborted, its receive ends too; then its report is out before this returns
                joinQuietly(dispatcher, aborted == null ? 0 : 5000);
                if (aborted == null) {
                    try {
                        for (Remote r : remotes) {
                            if (r != null && r.alive) {
                                channel.send(Wire.Signal.STOP, r.rank, Wire.TAG_WORK);
                            }
                        }
                    } catch (JparException e) {
                        abort(e);
                    }
                }
            }
        } finally {
            progress.close();
            if (journal != null) {
                journal.close();
            }
            if (channel != null) {
                channel.close();
            }
        }
        if (aborted != null) {
            throw fresh(aborted);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new JparException("close: interrupted while waiting for the jobs of this " + kind + "; "
                    + abandoned.size() + " unit(s) of work not done were cancelled");
        }
    }

    /** @return a snapshot of the statistics */
    JobStats stats() {
        lock.lock();
        try {
            List<JobStats.Worker> ws = new ArrayList<>();
            for (Worker w : rows) {
                ws.add(new JobStats.Worker(w.name, w.jobs, w.failed, Duration.ofNanos(w.nanos), w.death));
            }
            if (journalRow.jobs > 0) {
                ws.add(new JobStats.Worker(journalRow.name, journalRow.jobs, 0, Duration.ZERO, null));
            }
            return new JobStats(ws, unfinishedTotal - settlingTotal, liveWorkers(), Duration.ofNanos(System.nanoTime() - created));
        } finally {
            lock.unlock();
        }
    }

    /** @return how many results the journal held when it was opened (0 without a journal) */
    int journalKept() {
        return journal == null ? 0 : journal.kept();
    }

    private static JparException fresh(JparException e) {
        if (e instanceof JobAbortedException a) {
            return new JobAbortedException(a.failedRank(), a.getCause());
        }
        return new JparException(e.getMessage(), e);
    }

    /** Waits for {@code t} to end, at most {@code millis} (0: for ever), keeping an interrupt for later. */
    private static void joinQuietly(Thread t, long millis) {
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
