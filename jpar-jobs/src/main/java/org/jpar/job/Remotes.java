package org.jpar.job;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;
import org.jpar.spi.LayerChannel;

/**
 * The other ranks as workers: plans batches of queued units for idle ranks (several units only when units are
 * measured to be short, never more than a fair share), sends them on the job layer's channel, and runs the
 * dispatcher thread that receives the ranks' results and completes their jobs.
 */
final class Remotes {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());
    /** A batch for a rank aims at this much work, when units are short. */
    private static final long BATCH_NANOS = 2_000_000;
    private static final int MAX_BATCH = 4096;
    private static final long POLL_MAX_NANOS = 200_000;

    /** Units planned for one rank, to be encoded and sent outside the lock. */
    record Assignment(Worker.Remote to, List<Unit> units) {
    }

    private final Scheduler s;
    private final Units units;
    /** The job layer's message space on the world (null when alone). */
    private final LayerChannel channel;
    private final int rank;
    /** Indexed by rank; null at the master's own. */
    private final Worker.Remote[] remotes;
    private Thread dispatcher;

    Remotes(Scheduler s, LayerChannel channel, int rank, int size) {
        this.s = s;
        this.units = s.units;
        this.channel = channel;
        this.rank = rank;
        this.remotes = new Worker.Remote[size];
        for (int r = 0; r < size; r++) {
            if (r != rank) {
                remotes[r] = new Worker.Remote(r);
            }
        }
    }

    /** @return true when other ranks take part */
    boolean any() {
        return remotes.length > 1;
    }

    /** Under the lock: adds the ranks' rows to the statistics. */
    void addRows(StatsBook stats) {
        for (Worker.Remote r : remotes) {
            if (r != null) {
                stats.add(r);
            }
        }
    }

    /** Under the lock: the ranks that take work. */
    int live() {
        int n = 0;
        for (Worker.Remote r : remotes) {
            if (r != null && r.alive) {
                n++;
            }
        }
        return n;
    }

    /** Under the lock: takes every unit out to a rank back (the run ends). */
    List<Unit> takeInFlight() {
        List<Unit> taken = new ArrayList<>();
        for (Worker.Remote r : remotes) {
            if (r != null) {
                taken.addAll(r.inFlight);
                r.inFlight.clear();
            }
        }
        return taken;
    }

    // ---------------------------------------------------------------- joining

    /** Starts the dispatcher thread. */
    void startDispatcher() {
        dispatcher = new Thread(this::dispatch, "jpar-job-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /**
     * Waits until every other rank serves (each warms its codec first), at most {@code timeoutNanos}; a rank that
     * has not joined by then is reported, gets no work until it joins, and does not hold the others up.
     */
    void awaitJoined(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        List<String> missing = new ArrayList<>();
        units.lock.lock();
        try {
            while (units.aborted == null) {
                missing.clear();
                for (Worker.Remote r : remotes) {
                    if (r != null && !r.joined) {
                        missing.add(Integer.toString(r.rank));
                    }
                }
                long left = deadline - System.nanoTime();
                if (missing.isEmpty() || left <= 0) {
                    break;
                }
                units.jobFinished.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            units.lock.unlock();
        }
        if (units.aborted != null) {
            throw Units.fresh(units.aborted);
        }
        if (!missing.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "jpar " + s.kind + ": rank" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + " did not join within " + timeoutNanos / 1_000_000 + " ms; "
                    + "every rank must create the " + s.kind + " (SPMD: all ranks run the same line); until they do, "
                    + "the other workers take their share");
        }
    }

    // ---------------------------------------------------------------- sending work

    /**
     * Under the lock: gives every idle live rank its next batch from the queue, out of the units that the master's
     * waiting threads are not about to take (those cost no message).
     */
    List<Assignment> plan() {
        List<Assignment> plan = null;
        int spare = units.queue.size() - units.waitingLocals;
        for (Worker.Remote r : remotes) {
            if (spare <= 0) {
                break;
            }
            if (r == null || !r.alive || !r.inFlight.isEmpty() || units.stopped) {
                continue;
            }
            if (!r.joined) {
                continue;
            }
            int n = Math.min(spare, batchSize(r));
            spare -= n;
            List<Unit> batch = new ArrayList<>(n);
            for (int i = 0; i < n && !units.queue.isEmpty(); i++) {
                Unit u = units.queue.poll();
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
    private int batchSize(Worker.Remote r) {
        double mean = s.stats.meanUnitNanos;
        double perUnit = r.nanosPerUnit > 0 ? Math.max(mean, r.nanosPerUnit) : mean;
        if (perUnit < 0) {
            return 1;
        }
        long byTime = Math.max(1, (long) (BATCH_NANOS / Math.max(1.0, perUnit)));
        long fair = Math.max(1, units.queue.size() / (2L * Math.max(1, s.liveWorkers())));
        return (int) Math.min(MAX_BATCH, Math.min(byTime, fair));
    }

    /** Encodes and sends planned batches (not under the lock: a send may wait for its receiver). */
    void send(List<Assignment> plan) {
        while (!plan.isEmpty()) {
            List<Unit> unsendable = new ArrayList<>();
            for (Assignment a : plan) {
                List<Unit> ok = new ArrayList<>(a.units().size());
                for (Unit u : a.units()) {
                    if (u.wire == null) {
                        try {
                            u.wire = s.encodeCall(new Wire.Call(u.fn, u.args, u.each));
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
                    s.recovery.abort(e);
                    return;
                }
            }
            if (unsendable.isEmpty()) {
                return;
            }
            units.lock.lock();
            try {
                for (Unit u : unsendable) {
                    ((Worker.Remote) u.owner).inFlight.remove(u);
                }
            } finally {
                units.lock.unlock();
            }
            for (Unit u : unsendable) {
                failUnsendable(u);
            }
            units.lock.lock();
            try {
                plan = plan();
            } finally {
                units.lock.unlock();
            }
        }
    }

    private void failUnsendable(Unit u) {
        JparException why;
        try {
            s.encodeCall(new Wire.Call(u.fn, u.args, u.each));
            return;
        } catch (JparException e) {
            why = e;
        }
        s.progress.completed(u.jobs.length);
        for (Job<Object> job : u.jobs) {
            job.fail(new JobFailedException(job.label() + " cannot be sent to another rank: " + why.getMessage(),
                    job.id(), null, why), null, 0);
        }
        units.finished(u);
    }

    // ---------------------------------------------------------------- receiving results

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
                    units.lock.lock();
                    try {
                        if (units.stopped) {
                            return;
                        }
                    } finally {
                        units.lock.unlock();
                    }
                    continue;
                }
                results(remotes[e.source()], (Wire.Results) m);
            }
        } catch (JparException e) {
            s.recovery.abort(e);
        } catch (RuntimeException | Error e) {
            s.recovery.abort(new JparException("jpar " + s.kind + ": the dispatcher failed: " + Failures.describe(e),
                    e));
        }
    }

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

    private void results(Worker.Remote r, Wire.Results res) {
        List<Unit> done = new ArrayList<>(res.outcomes().length);
        List<Unit> lost = List.of();
        List<Assignment> plan;
        units.lock.lock();
        try {
            if (!r.joined) {
                r.joined = true;
                units.jobFinished.signalAll();
            }
            for (Wire.Outcome o : res.outcomes()) {
                Unit u = take(r, o.unit());
                done.add(u);
                if (u != null) {
                    s.stats.account(r, u, o.nanos(), o.failures());
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
                s.recovery.lastDeath = r.name + ": " + res.death();
                List<Unit> orphans = new ArrayList<>(r.inFlight);
                r.inFlight.clear();
                lost = s.recovery.reschedule(orphans);
            }
            plan = plan();
        } finally {
            units.lock.unlock();
        }
        if (res.death() != null) {
            LOG.log(System.Logger.Level.WARNING, "jpar " + s.kind + ": worker " + r.name + " died (" + res.death()
                    + "); its unfinished jobs are rescheduled on the other workers");
            s.recovery.giveUp(lost, r.name, new JparException(r.name + " died: " + res.death()));
        }
        send(plan);
        for (int k = 0; k < done.size(); k++) {
            Unit u = done.get(k);
            if (u != null) {
                complete(u, res.outcomes()[k], r.name);
            }
        }
    }

    private static Unit take(Worker.Remote r, long id) {
        for (Iterator<Unit> it = r.inFlight.iterator(); it.hasNext(); ) {
            Unit u = it.next();
            if (u.id == id) {
                it.remove();
                return u;
            }
        }
        return null;
    }

    /** Completes the jobs of a unit a rank ran, from its outcome (journal first). */
    private void complete(Unit u, Wire.Outcome o, String worker) {
        units.settling(u);
        s.progress.completed(u.jobs.length);
        long each = o.nanos() / u.jobs.length;
        for (int i = 0; i < u.jobs.length; i++) {
            Job<Object> job = u.jobs[i];
            try {
                byte[] value = o.values()[i];
                if (value != null) {
                    Object v;
                    try {
                        v = s.decoder.decode(value);
                    } catch (RuntimeException | LinkageError | StackOverflowError e) {
                        job.fail(new JobFailedException(job.label() + " ran on " + worker + " but its result cannot "
                                + "be decoded here: " + Failures.describe(e), job.id(), worker, Failures.forJob(e)),
                                worker, each);
                        continue;
                    }
                    if (u.fingerprints != null) {
                        s.recall.keepEncoded(u.fingerprints[i], value);
                    }
                    job.succeed(v, worker, each);
                } else {
                    Throwable t = Failures.decode(o.failures()[i], s.decoder);
                    job.fail(JobFailedException.threw(job.label(), job.id(), worker, t), worker, each);
                }
            } catch (Throwable e) {
                if (!job.isDone()) {
                    Recovery.failQuietly(job, new JobFailedException(job.label() + " ran on " + worker + " but its "
                            + "outcome could not be recorded: " + Failures.describe(e), job.id(), worker,
                            Failures.forJob(e)), worker);
                }
            }
        }
        units.finished(u);
    }

    // ---------------------------------------------------------------- closing

    /**
     * Ends the dispatcher, then tells every live rank to leave its serve loop (not under the lock). The dispatcher
     * goes first: a rank told to stop may go on to the next Pool on this communicator at once, and its hello is for
     * that one.
     */
    void stop() {
        if (dispatcher == null) {
            return;
        }
        if (units.aborted == null) {
            try {
                channel.send(Wire.Signal.WAKE, rank, Wire.TAG_RESULT);
            } catch (JparException e) {
                s.recovery.abort(e);
            }
        }
        // when the job was aborted, its receive ends too; then its report is out before this returns
        Scheduler.joinQuietly(dispatcher, units.aborted == null ? 0 : 5000);
        if (units.aborted == null) {
            try {
                for (Worker.Remote r : remotes) {
                    if (r != null && r.alive) {
                        channel.send(Wire.Signal.STOP, r.rank, Wire.TAG_WORK);
                    }
                }
            } catch (JparException e) {
                s.recovery.abort(e);
            }
        }
    }
}
