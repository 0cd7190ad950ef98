package org.jpar.job;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.jpar.JobAbortedException;
import org.jpar.JparException;

/**
 * A submitted job: pp's job object (call {@link #get()} for its result) and mpi4py's future. Returned by
 * {@link JobServer#submit} and {@link Pool#applyAsync}. Thread-safe.
 *
 * <p>{@link #get()} blocks until the job is done and returns its result, or throws: {@link JobFailedException} when
 * the task threw (its cause is the task's exception, with the stack trace from the rank that ran it),
 * {@link JobAbortedException} when the SPMD job lost a rank before this job was done, {@link CancellationException}
 * when it was cancelled (the rest of a {@link Pool#map} after one input failed).
 *
 * @param <R> the result's type
 */
public final class Job<R> {
    private static final System.Logger LOG = System.getLogger(Job.class.getName());

    private final long id;
    private final String group;
    /** Its index among the inputs of a map, or -1. */
    private final int mapInput;
    private final CompletableFuture<R> done = new CompletableFuture<>();
    private volatile String worker;
    private volatile long nanos;

    Job(long id, String group, int mapInput) {
        this.id = id;
        this.group = group;
        this.mapInput = mapInput;
    }

    /** @return the job's id: 1, 2, ... per server, in submission order */
    public long id() {
        return id;
    }

    /** @return the group it was submitted in ({@code "default"} unless {@link JobServer#group(String)} was used) */
    public String group() {
        return group;
    }

    /**
     * Waits until the job is done.
     *
     * @return its result
     * @throws JobFailedException   if the task threw (the cause is its exception, with the remote stack trace)
     * @throws JobAbortedException  if a rank of the SPMD job failed before this job was done
     * @throws CancellationException if the job was cancelled
     * @throws JparException        if the waiting thread was interrupted (its interrupt flag stays set)
     */
    public R get() {
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JparException("interrupted while waiting for " + label(), e);
        } catch (ExecutionException e) {
            throw fresh(e.getCause());
        }
    }

    /**
     * Waits at most {@code timeout} for the job.
     *
     * @return its result
     * @throws JparException if it is not done within {@code timeout}; otherwise as {@link #get()}
     */
    public R get(Duration timeout) {
        try {
            return done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JparException("interrupted while waiting for " + label(), e);
        } catch (ExecutionException e) {
            throw fresh(e.getCause());
        } catch (TimeoutException e) {
            throw new JparException(label() + " is not done after " + timeout.toMillis() + " ms");
        }
    }

    /** @return true once the job is done (succeeded, failed or cancelled); never blocks */
    public boolean isDone() {
        return done.isDone();
    }

    /** @return true if the job is done and did not succeed */
    public boolean isFailed() {
        return done.isCompletedExceptionally();
    }

    /** @return the worker that ran it ({@code rank 1}, {@code rank 0 thread 1}, {@code journal}, ...); null until done */
    public String worker() {
        return worker;
    }

    /** @return how long the task ran on its worker (zero for a result taken from the journal); zero until done */
    public Duration time() {
        return Duration.ofNanos(nanos);
    }

    /**
     * pp's callback: runs {@code callback} with the result once the job has succeeded (at once, in this thread, if it
     * already has). It runs in the jpar thread that completes the job, before {@link JobServer#await} returns for its
     * group: keep it short. It is not called for a failed job. Whatever it throws (an {@link Error} or a checked
     * exception included) is logged as a warning naming the job ({@link System.Logger} {@code org.jpar.job.Job}),
     * never lost in silence, and does not affect the job or the server.
     *
     * @return this job
     */
    public Job<R> onDone(Consumer<? super R> callback) {
        done.thenAccept(value -> {
            try {
                callback.accept(value);
            } catch (Throwable e) {
                logCallbackFailure(e);
            }
        });
        return this;
    }

    private void logCallbackFailure(Throwable e) {
        try {
            Throwable shown = Failures.forJob(e);
            LOG.log(System.Logger.Level.WARNING, "jpar: the onDone callback of " + label() + " threw "
                    + Failures.describe(e).replace('\n', ' ') + " (the job itself succeeded)", shown);
        } catch (Throwable again) {
            // the logger itself failed: stderr is the last place left
            System.err.println("jpar: the onDone callback of " + label() + " threw " + e.getClass().getName()
                    + " (and logging it failed: " + again.getClass().getName() + ")");
        }
    }

    /** @return a {@link CompletableFuture} that completes with the job (for composing; completing it has no effect) */
    public CompletableFuture<R> future() {
        return done.copy();
    }

    @Override
    public String toString() {
        if (!done.isDone()) {
            return "Job[" + label() + ", group " + group + ", pending]";
        }
        return "Job[" + label() + ", group " + group + ", " + (done.isCompletedExceptionally() ? "failed" : "done")
                + (worker == null ? "" : " on " + worker) + "]";
    }

    /** @return how messages name it: {@code job 7}, or {@code job 7 (map input 3)} */
    String label() {
        return mapInput < 0 ? "job " + id : "job " + id + " (map input " + mapInput + ")";
    }

    /** Runs {@code hook} with this job once it is done, however it ended (for jpar's own bookkeeping). */
    void whenComplete(Consumer<Job<R>> hook) {
        done.whenComplete((value, failure) -> hook.accept(this));
    }

    boolean succeed(R value, String by, long runNanos) {
        this.worker = by;
        this.nanos = runNanos;
        return done.complete(value);
    }

    boolean fail(Throwable failure, String by, long runNanos) {
        this.worker = by;
        this.nanos = runNanos;
        return done.completeExceptionally(failure);
    }

    boolean cancel(String why) {
        return done.completeExceptionally(new CancellationException(label() + " was cancelled: " + why));
    }

    /** The stored failure again, created in the caller's thread so that its stack trace shows the caller. */
    private static RuntimeException fresh(Throwable t) {
        if (t instanceof JobFailedException f) {
            return new JobFailedException(f.getMessage(), f.jobId(), f.worker(), f.getCause());
        }
        if (t instanceof JobAbortedException a) {
            return new JobAbortedException(a.failedRank(), a.getCause());
        }
        if (t instanceof CancellationException c) {
            CancellationException again = new CancellationException(c.getMessage());
            again.initCause(c);
            return again;
        }
        return new JparException(String.valueOf(t.getMessage()), t);
    }
}
