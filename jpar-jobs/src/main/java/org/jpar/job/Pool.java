package org.jpar.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.jpar.Communicator;
import org.jpar.JobAbortedException;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * Python's {@code multiprocessing.Pool} for jpar: {@link #map} (results in input order), {@link #mapUnordered}
 * (results as they finish), chunk sizes, and single submissions ({@link #apply}, {@link #applyAsync}).
 *
 * <pre>{@code
 * try (Pool pool = new Pool()) {                 // collective: every rank runs this line
 *     if (pool.isMaster()) {                      // rank 0 maps; the other ranks served inside new Pool()
 *         List<Long> fibs = pool.map(ParallelFib::fib, List.of(38, 37, 36, 35, 34, 33));
 *         System.out.println(fibs);
 *     }
 * }
 * }</pre>
 *
 * A pool is a {@link JobServer} with multiprocessing's methods: the same SPMD rules (rank 0 is the master and also
 * computes; the other ranks serve inside the constructor until the master closes), the same scheduling, failure
 * handling, journal and statistics; see there. The master's methods are thread-safe.
 */
public final class Pool implements AutoCloseable {
    private static final String GROUP = JobServer.DEFAULT_GROUP;

    private final Scheduler scheduler;
    private final int rank;

    /** {@code multiprocessing.Pool()}: a collective pool over {@link Par#world()} with the defaults. */
    public Pool() {
        this(JobSettings.defaults());
    }

    /**
     * A collective pool: see {@link JobServer}. On every rank but 0 this returns only when the master closes.
     *
     * @throws JobAbortedException (on a serving rank) if another rank failed meanwhile
     */
    public Pool(JobSettings settings) {
        Communicator world = settings.communicator() != null ? settings.communicator() : Par.world();
        this.rank = world.rank();
        this.scheduler = Scheduler.start("Pool", world, settings);
    }

    private Pool(Scheduler scheduler) {
        this.rank = 0;
        this.scheduler = scheduler;
    }

    /** @return {@code multiprocessing.Pool(workers)}: threads of this process alone (not collective) */
    public static Pool local(int workers) {
        return local(workers, JobSettings.defaults());
    }

    /** @return a pool of {@code workers} threads of this process alone, with {@code settings}' journal and bar */
    public static Pool local(int workers, JobSettings settings) {
        return new Pool(Scheduler.local("Pool", workers, settings));
    }

    /** @return true on the master (rank 0); false on the ranks that served */
    public boolean isMaster() {
        return scheduler != null;
    }

    /** @return the workers taking tasks now: the master's threads and the other ranks that serve */
    public int workers() {
        return master("workers").workers();
    }

    /**
     * {@code pool.map(task, inputs)}: applies {@code task} to every input in parallel and returns the results in
     * input order. Inputs are handed out one at a time to whichever worker is idle; another rank gets several at
     * once only when tasks are measured to be short (so messages do not dominate).
     *
     * @throws JobFailedException for the first input (in input order) whose task threw; the inputs not yet started
     *                            are cancelled
     */
    public <A, R> List<R> map(Task<? super A, ? extends R> task, Iterable<? extends A> inputs) {
        return map(task, inputs, 0);
    }

    /**
     * {@code pool.map(task, inputs, chunksize)}: as {@link #map(Task, Iterable)}, with the inputs handed out in fixed
     * chunks of {@code chunkSize} (a chunk is one unit of work: it goes to one worker, and comes back whole).
     *
     * @param chunkSize 1 or more
     */
    public <A, R> List<R> map(Task<? super A, ? extends R> task, Iterable<? extends A> inputs, int chunkSize) {
        List<Job<Object>> jobs = submitAll("map", task, inputs, chunkSize);
        List<R> out = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            try {
                @SuppressWarnings("unchecked")
                R r = (R) jobs.get(i).get();
                out.add(r);
            } catch (RuntimeException e) {
                scheduler.cancel(jobs, "input " + i + " of the same map failed");
                throw e;
            }
        }
        return out;
    }

    /**
     * {@code pool.imap_unordered(task, inputs)}: applies {@code task} to every input in parallel; the stream yields
     * the results in the order they finish. All inputs are submitted at once; the stream blocks until the next
     * result is there. A failed input makes the stream throw its {@link JobFailedException} when it comes.
     */
    public <A, R> Stream<R> mapUnordered(Task<? super A, ? extends R> task, Iterable<? extends A> inputs) {
        return mapUnordered(task, inputs, 0);
    }

    /** As {@link #mapUnordered(Task, Iterable)}, in chunks of {@code chunkSize} (a chunk's results come together). */
    public <A, R> Stream<R> mapUnordered(Task<? super A, ? extends R> task, Iterable<? extends A> inputs,
            int chunkSize) {
        BlockingQueue<Job<Object>> finished = new LinkedBlockingQueue<>();
        int n = submitAll("mapUnordered", task, inputs, chunkSize, finished::add).size();
        Spliterator<R> results = new Spliterators.AbstractSpliterator<>(n, Spliterator.SIZED) {
            private int taken;

            @Override
            public boolean tryAdvance(Consumer<? super R> action) {
                if (taken == n) {
                    return false;
                }
                Job<Object> job;
                try {
                    job = finished.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new JparException("interrupted while waiting for the next result of mapUnordered", e);
                }
                taken++;
                @SuppressWarnings("unchecked")
                R r = (R) job.get();
                action.accept(r);
                return true;
            }
        };
        return StreamSupport.stream(results, false);
    }

    /** {@code pool.apply(task, (arg,))}: runs {@code task(arg)} on a worker and waits for its result. */
    public <A, R> R apply(Task<A, R> task, A arg) {
        return applyAsync(task, arg).get();
    }

    /** {@code pool.apply_async(task, (arg,))}: submits {@code task(arg)}; the job gives its result later. */
    @SuppressWarnings("unchecked")
    public <A, R> Job<R> applyAsync(Task<A, R> task, A arg) {
        Objects.requireNonNull(task, "task");
        List<Object[]> calls = new ArrayList<>(1);
        calls.add(new Object[] {arg});
        return (Job<R>) (Job<?>) master("applyAsync").submit(GROUP, task, calls, 0, null, null).get(0);
    }

    /** @return the statistics so far (see {@link JobServer#stats()}) */
    public JobStats stats() {
        return master("stats").stats();
    }

    /** Prints {@link JobStats#table()} to standard output. */
    public void printStats() {
        System.out.print(stats().table());
        System.out.flush();
    }

    /**
     * Waits for every submitted task, then stops the workers (on the other ranks, the constructor returns). On a
     * rank that served, does nothing. Idempotent.
     *
     * @throws JobAbortedException if the SPMD job lost a rank while the pool ran
     */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Override
    public String toString() {
        return scheduler == null ? "Pool[rank " + rank + ", served]" : "Pool[master, " + scheduler.workers()
                + " workers]";
    }

    private List<Job<Object>> submitAll(String op, Task<?, ?> task, Iterable<?> inputs, int chunkSize) {
        return submitAll(op, task, inputs, chunkSize, null);
    }

    private List<Job<Object>> submitAll(String op, Task<?, ?> task, Iterable<?> inputs, int chunkSize,
            Consumer<Job<Object>> onComplete) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(inputs, "inputs");
        if (chunkSize < 0) {
            throw new JparException(op + ": chunk size " + chunkSize + " is out of range: 1 or more (or 0 for "
                    + "automatic)");
        }
        Scheduler s = master(op);
        List<Object[]> calls = new ArrayList<>();
        for (Object in : inputs) {
            calls.add(new Object[] {in});
        }
        return s.submit(GROUP, task, calls, chunkSize, "map", onComplete);
    }

    private Scheduler master(String op) {
        if (scheduler == null) {
            throw new JparException(op + ": rank " + rank + " served this Pool until the master closed it; only the"
                    + " master (rank 0) submits: put the code that uses the pool under if (pool.isMaster())");
        }
        return scheduler;
    }
}
