package org.jpar.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jpar.Communicator;
import org.jpar.JobAbortedException;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * Parallel Python's job server for jpar: submit a task with its arguments, get a {@link Job} back, ask it for the
 * result later; groups of jobs and waiting on them; callbacks; statistics.
 *
 * <pre>{@code
 * try (JobServer server = new JobServer()) {            // collective: every rank runs this line
 *     if (server.isMaster()) {                           // rank 0 submits; the other ranks served inside new JobServer()
 *         System.out.println("Starting jpar with " + server.workers() + " workers");
 *         Job<Long> job = server.submit(SumPrimes::sumPrimes, 100_000);
 *         System.out.println("Sum of primes below 100000 is " + job.get());
 *         server.printStats();
 *     }
 * }
 * }</pre>
 *
 * <h2>SPMD</h2>
 * Every rank of the communicator ({@link Par#world()} unless {@link JobSettings#communicator} says otherwise) creates
 * the server. Rank 0 is the master: its constructor returns at once, and it submits. On every other rank the
 * constructor serves (runs the jobs the master sends it) until the master closes the server, then returns a server
 * whose {@link #isMaster()} is false and on which only {@link #close()} may be called (mpi4py's
 * {@code MPICommExecutor} idiom). The master also runs jobs in its own worker threads while it coordinates
 * ({@link JobSettings#localWorkers}: one per core when it is alone, else 1, so that with {@code -np} equal to the
 * cores every core computes). In a program started with plain {@code java} the master is alone and its threads do
 * all the work; {@link #local(int)} makes such a server inside any rank. Like any collective operation, every rank
 * must create the same servers in the same order; one server at a time per communicator. The master's constructor
 * returns once every other rank serves (each first warms up its codec, so that the first jobs do not pay for it), at
 * most {@link JobSettings#joinTimeout} later: a rank that has not joined by then is reported and gets no work until
 * it does, so a rank that never creates the server cannot hang it.
 *
 * <h2>Scheduling and failures</h2>
 * Dynamic load balancing: an idle worker gets the next job, in submission order. A task that throws fails its job
 * ({@link Job#get()} throws {@link JobFailedException} with the task's exception and its stack trace from the rank
 * that ran it) and the server carries on. A worker that dies (an {@link OutOfMemoryError}, {@link InternalError} or
 * other fatal error escaping a task, or its thread ending abnormally) loses nothing: its unfinished jobs go to the
 * other workers (a master's thread is replaced; a rank leaves the server and goes on with its program), and a job
 * is given up only after {@link JobSettings#maxAttempts} workers died running it. When no worker is left at all
 * (the other ranks died and the master has no threads of its own), the waiting jobs fail and {@code submit} throws
 * {@link JparException} at once. An exception that cannot describe itself (its {@code getMessage()} throws, its
 * causes loop) fails its job like any other, with a {@link RemoteTaskException} standing in for it. A rank lost without a word (its
 * process killed, on an MPI engine) ends the SPMD job: unfinished jobs fail with {@link JobAbortedException} and
 * the launcher reports the rank; with a {@linkplain JobSettings#journal journal}, the finished results are kept and
 * running the program again completes only what is missing.
 *
 * <p>The master's methods are thread-safe.
 */
public final class JobServer implements AutoCloseable {
    /** The group of jobs submitted without one (pp's {@code 'default'}). */
    public static final String DEFAULT_GROUP = "default";

    private final Scheduler scheduler;
    private final int rank;

    /** pp's {@code pp.Server()}: a collective server over {@link Par#world()} with the {@link JobSettings#defaults()}. */
    public JobServer() {
        this(JobSettings.defaults());
    }

    /**
     * A collective server: see the class comment. On every rank but 0 this returns only when the master closes.
     *
     * @throws JobAbortedException (on a serving rank) if another rank failed meanwhile
     */
    public JobServer(JobSettings settings) {
        Communicator world = settings.communicator() != null ? settings.communicator() : Par.world();
        this.rank = world.rank();
        this.scheduler = Scheduler.start("JobServer", world, settings);
    }

    private JobServer(Scheduler scheduler) {
        this.rank = 0;
        this.scheduler = scheduler;
    }

    /** @return a server of {@code workers} threads in this process alone (not collective; any rank may make one) */
    public static JobServer local(int workers) {
        return local(workers, JobSettings.defaults());
    }

    /** @return a server of {@code workers} threads in this process alone, with {@code settings}' journal and bar */
    public static JobServer local(int workers, JobSettings settings) {
        return new JobServer(Scheduler.local("JobServer", workers, settings));
    }

    /** @return true on the master (rank 0), which submits; false on the ranks that served */
    public boolean isMaster() {
        return scheduler != null;
    }

    /**
     * Submits {@code task}: {@code server.submit(() -> fib(40))}. Never blocks on the workers.
     *
     * @return the job; its {@link Job#get()} gives the result
     * @throws JparException if the server is closed, or no worker is left to run it (see the class comment)
     */
    public <R> Job<R> submit(CallableTask<R> task) {
        return submit(DEFAULT_GROUP, task, new Object[0]);
    }

    /** Submits {@code task(arg)}: pp's {@code submit(func, (arg,))}, e.g. {@code submit(SumPrimes::sumPrimes, 100)}. */
    public <A, R> Job<R> submit(Task<A, R> task, A arg) {
        return submit(DEFAULT_GROUP, task, new Object[] {arg});
    }

    /** Submits {@code task(a, b)}. */
    public <A, B, R> Job<R> submit(BiTask<A, B, R> task, A a, B b) {
        return submit(DEFAULT_GROUP, task, new Object[] {a, b});
    }

    /**
     * @param name a group name (pp's {@code group=}); jobs submitted through the returned view belong to it
     * @return a view that submits into group {@code name} and waits for it
     */
    public JobGroup group(String name) {
        master("group");
        return new JobGroup(this, Objects.requireNonNull(name, "name"));
    }

    /** pp's {@code wait(group)}: blocks until every job of {@code group} submitted so far is done. */
    public void await(String group) {
        master("await").await(Objects.requireNonNull(group, "group"));
    }

    /** pp's {@code wait()}: blocks until every job submitted so far is done. */
    public void await() {
        master("await").await(null);
    }

    /** @return the workers taking jobs now: the master's threads and the other ranks that serve */
    public int workers() {
        return master("workers").workers();
    }

    /** @return the master's own worker threads (pp's {@code get_ncpus()}) */
    public int localWorkers() {
        return master("localWorkers").localWorkers();
    }

    /**
     * pp's {@code set_ncpus(n)}: changes the master's own worker threads at run time. Threads are added at once; when
     * there are fewer, the surplus ones leave after their current job.
     *
     * @param n 0 to 4096; 0 only when other ranks serve
     */
    public void setLocalWorkers(int n) {
        master("setLocalWorkers").setLocalWorkers(n);
    }

    /** @return the statistics so far */
    public JobStats stats() {
        return master("stats").stats();
    }

    /** pp's {@code print_stats()}: prints {@link JobStats#table()} to standard output. */
    public void printStats() {
        System.out.print(stats().table());
        System.out.flush();
    }

    /**
     * Waits for every submitted job, then stops the workers (on the other ranks, the constructor returns). On a
     * rank that served, does nothing. Idempotent.
     *
     * @throws JobAbortedException if the SPMD job lost a rank while the server ran
     */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Override
    public String toString() {
        return scheduler == null ? "JobServer[rank " + rank + ", served]" : "JobServer[master, " + scheduler.workers()
                + " workers]";
    }

    @SuppressWarnings("unchecked")
    <R> Job<R> submit(String group, Object task, Object[] args) {
        Objects.requireNonNull(task, "task");
        List<Object[]> calls = new ArrayList<>(1);
        calls.add(args);
        return (Job<R>) (Job<?>) master("submit").submit(group, task, calls, 0, null, null).get(0);
    }

    Scheduler master(String op) {
        if (scheduler == null) {
            throw new JparException(op + ": rank " + rank + " served this JobServer until the master closed it; only"
                    + " the master (rank 0) submits: put the code that uses the server under if (server.isMaster())");
        }
        return scheduler;
    }
}
