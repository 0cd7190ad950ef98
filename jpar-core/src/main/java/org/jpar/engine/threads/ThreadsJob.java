package org.jpar.engine.threads;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jpar.JobAbortedException;
import org.jpar.JparException;
import org.jpar.internal.LastWords;
import org.jpar.internal.diag.WaitFor;

/**
 * One embedded job: N ranks as threads of this JVM, their mailboxes, and its fate. The first rank to fail aborts
 * the job: every blocked receive of every other rank ends with {@link JobAbortedException}, and their threads are
 * interrupted. A rank's threads are its own thread and every thread started in its thread group: an exception none
 * of them catches is the rank's failure. A watchdog turns a deadlock (every rank waiting for a message nobody can
 * send) into a failure.
 */
final class ThreadsJob {
    /**
     * How a job ended badly: the first failing rank (or -1 for a deadlock) and its exception. Each rank has one made
     * in advance, so a rank fails without allocating (its heap may be full).
     */
    static final class Failure {
        private final int rank;
        private volatile Throwable cause;

        Failure(int rank, Throwable cause) {
            this.rank = rank;
            this.cause = cause;
        }

        int rank() {
            return rank;
        }

        Throwable cause() {
            return cause;
        }
    }

    /** A rank's threads: an exception none of them catches fails the rank, and with it the job. */
    private final class RankGroup extends ThreadGroup {
        private final int rank;

        RankGroup(int rank) {
            super("jpar-rank-" + rank);
            this.rank = rank;
        }

        @Override
        public void uncaughtException(Thread t, Throwable e) {
            rankFailedSafely(rank, e);
        }
    }

    private static final int PAD = 16; // longs between two ranks' progress counters (own cache lines)
    private static final long WATCH_MILLIS = 100;
    /**
     * Unchanged checks in a row before a job is called deadlocked: {@code -Djpar.threads.deadlockMillis} (default
     * 500) over {@link #WATCH_MILLIS}; 0 turns the deadlock watchdog off.
     */
    private static final long DEADLOCK_CHECKS = org.jpar.internal.Settings.DEADLOCK_MILLIS.get(500)
            / WATCH_MILLIS;

    final int size;
    final String hostName;
    final long spinNanos;
    final long eagerLimit;
    /** Strict mode (see {@link ThreadsEngine}): synchronous sends, and leftovers at the end are a failure. */
    final boolean strict;
    private final Mailbox[] boxes;
    /** The job's ranks as a group (the world communicator's). */
    final Group world;
    /** Groups made by split/dup and not yet freed by every member: a failure wakes their waiting threads too. */
    private final java.util.Set<Group> madeGroups = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Groups being made, by a key every member computes alike, until every member has picked its up. */
    private final Map<String, Group> making = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger groupIds = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLongArray progress;
    private final AtomicReferenceArray<Waiting> waitingOn;
    /** What the other threads of the ranks (those a rank started) wait for in jpar, while they do. */
    private final Map<Thread, RankWait> threadWaits = new java.util.concurrent.ConcurrentHashMap<>();
    /** Ranks run in virtual threads ({@link ThreadsEngine#RANKS_PROPERTY}); else each in a thread and group of its own. */
    private final boolean virtualRanks;
    /** The group of every virtual thread, and of the platform threads they start (virtual ranks). */
    private volatile ThreadGroup virtualGroup;
    /** The process's CPU time at the last deadlock check that found every rank blocked (virtual ranks), or -1. */
    private long processCpuSeen = -1;

    /** A wait in jpar of a thread a rank started, and that rank. */
    private record RankWait(int rank, Waiting waiting) {
    }

    /**
     * The job and rank of a thread of a virtual-thread rank and of every thread it starts (inherited): a virtual
     * thread has no thread group of its own, so their uncaught exceptions reach the JVM's default handler, which
     * {@link #routeUncaughtExceptions()} points here.
     */
    private record RankOf(ThreadsJob job, int rank) {
    }

    private static final InheritableThreadLocal<RankOf> RANK_OF = new InheritableThreadLocal<>();
    private static boolean routing;
    private final AtomicReference<Failure> failure = new AtomicReference<>();
    private final Thread[] threads;
    private final ThreadGroup[] groups;
    private final Failure[] rankFailures;
    private final CountDownLatch finished;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    /** CPU time of the threads ranks started, at the last deadlock check that found every rank blocked. */
    private Map<Long, Long> cpuSeen;

    ThreadsJob(int size, String hostName, long spinNanos, long eagerLimit, boolean strict, boolean virtualRanks) {
        this.size = size;
        this.virtualRanks = virtualRanks;
        this.strict = strict;
        this.hostName = hostName;
        this.spinNanos = spinNanos;
        this.eagerLimit = eagerLimit;
        this.boxes = new Mailbox[size];
        for (int i = 0; i < size; i++) {
            boxes[i] = new Mailbox();
        }
        this.world = new Group(this, boxes);
        this.progress = new AtomicLongArray(size * PAD);
        this.waitingOn = new AtomicReferenceArray<>(size);
        this.threads = new Thread[size];
        this.groups = new ThreadGroup[size];
        this.rankFailures = new Failure[size];
        this.finished = new CountDownLatch(size);
        failure.compareAndSet(null, null); // links the call now: a rank may fail later with no memory left to do it
    }

    Mailbox mailbox(int rank) {
        return boxes[rank];
    }

    /**
     * Rank {@code member} of a new group joins it: the first member to ask makes it (with a new id), the others get
     * the same object. {@code key} names the group alike at every member (the parent group, the parent's count of
     * splits and the colour); {@code jobRanks} are its members' job ranks in group order.
     */
    Group join(String key, int[] jobRanks) {
        Group g = making.computeIfAbsent(key, k -> {
            Group made = new Group(this, groupIds.incrementAndGet(), jobRanks);
            madeGroups.add(made);
            return made;
        });
        if (g.toJoin.decrementAndGet() == 0) {
            making.remove(key);
        }
        if (failure.get() != null) {
            throw abortedException(); // a failure may have woken the groups before this one was added
        }
        return g;
    }

    /** Every member closed {@code g}: nothing of it remains to wake. */
    void forget(Group g) {
        madeGroups.remove(g);
        String unfinished = unfinishedCollective(g);
        if (unfinished != null) {
            fail(-1, new JparException(unfinished));
        }
    }

    /**
     * @return for a group no rank will call a collective on any more (the job ended, or every member closed it): the
     *         error if some ranks called a collective the others never did (a broadcast's root and receivers leave it
     *         before the others come), else null
     */
    private static String unfinishedCollective(Group g) {
        CollectiveSlot s = g.collectiveSlotIfMade();
        return s == null ? null : s.unfinished(g.communicatorName(), g::jobRank);
    }

    /**
     * Rank {@code rank} (a job rank) called {@code abort(code)}: the job ends with {@code status}, through the failure
     * path (every rank is stopped), unless it already failed.
     *
     * @return the exception the calling thread ends with
     */
    JparException abort(int rank, int code, int status) {
        Aborted a = new Aborted(rank, code, status);
        record(new Failure(rank, a));
        return failure.get().cause() == a ? a : abortedException();
    }

    /** A rank called {@code abort(code)}: ends the job with exit status {@link #status}. */
    static final class Aborted extends JparException {
        private static final long serialVersionUID = 1L;
        final int rank;
        final int code;
        final int status;

        Aborted(int rank, int code, int status) {
            super("rank " + rank + " called abort(" + code + ")");
            this.rank = rank;
            this.code = code;
            this.status = status;
        }
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
        } else if (w != null) {
            threadWaits.put(t, new RankWait(rank, w));
        } else {
            threadWaits.remove(t);
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
        return record(new Failure(rank, cause));
    }

    /** {@code rank} failed with {@code cause} (its own thread or one it started): fails the job if it runs. */
    private void rankFailed(int rank, Throwable cause) {
        if (cause instanceof JparException && failure.get() != null) {
            return; // a consequence of the job's failure (an aborted receive), not a failure of its own
        }
        Failure f = rankFailures[rank];
        if (f.cause == null) {
            f.cause = cause; // first failure of this rank wins: later ones are its consequences
        }
        record(f);
    }

    /**
     * {@link #rankFailed}, from where nothing may escape (it would reach the JVM's handler, which cannot print with a
     * full heap): when recording runs out of memory, the reserve is given back and it tries again.
     */
    private void rankFailedSafely(int rank, Throwable cause) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                rankFailed(rank, cause);
                return;
            } catch (Throwable e) {
                LastWords.release();
            }
        }
    }

    private boolean record(Failure f) {
        if (!failure.compareAndSet(null, f)) {
            return false;
        }
        LastWords.release(); // the job is over: what it still has to do (report, stop) may need the memory
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            if (t != null && t != me) {
                t.interrupt();
            }
        }
        for (Mailbox b : boxes) {
            b.wakeAll();
        }
        for (Group g : madeGroups) {
            for (Mailbox b : g.boxes) {
                b.wakeAll();
            }
        }
        return true;
    }

    /** What a rank's thread runs. */
    interface Body {
        void run() throws Throwable;
    }

    /**
     * Creates rank {@code r}'s thread, to run {@code body} at {@link #launch()}, in a thread group of its own. With
     * {@code asProcess}, the rank behaves as a process: its thread is not a daemon (so neither are the threads it
     * starts, by default), and the rank ends when its body has returned and every non-daemon thread of its group
     * has ended, as a JVM ends when {@code main} and its non-daemon threads have.
     */
    void start(int r, ClassLoader loader, boolean asProcess, Body body) {
        rankFailures[r] = new Failure(r, null);
        if (virtualRanks) {
            routeUncaughtExceptions();
            Thread v = VirtualThreads.unstarted("jpar-rank-" + r, () -> {
                RANK_OF.set(new RankOf(this, r));
                try {
                    body.run();
                } catch (Throwable e) {
                    rankFailedSafely(r, unwrap(e));
                } finally {
                    finished.countDown();
                }
            });
            v.setContextClassLoader(loader);
            virtualGroup = v.getThreadGroup();
            threads[r] = v;
            return;
        }
        RankGroup group = new RankGroup(r);
        groups[r] = group;
        Thread t = new Thread(group, () -> {
            try {
                body.run();
                if (asProcess) {
                    awaitNonDaemonThreads(r);
                }
            } catch (Throwable e) {
                rankFailedSafely(r, unwrap(e));
            } finally {
                finished.countDown();
            }
        }, "jpar-rank-" + r, 0);
        t.setDaemon(!asProcess);
        t.setContextClassLoader(loader);
        threads[r] = t;
    }

    /** Waits, as the JVM does at the end of {@code main}, until the non-daemon threads rank {@code r} started end. */
    private void awaitNonDaemonThreads(int r) throws InterruptedException {
        Thread me = Thread.currentThread();
        while (failure.get() == null) {
            Thread next = null;
            Thread[] all = new Thread[groups[r].activeCount() + 4];
            int n = groups[r].enumerate(all, true);
            for (int i = 0; i < n && next == null; i++) {
                if (all[i] != me && !all[i].isDaemon() && all[i].isAlive()) {
                    next = all[i];
                }
            }
            if (next == null) {
                return;
            }
            Thread awaited = next;
            Waiting w = new Waiting() {
                @Override
                public boolean done() {
                    return !awaited.isAlive();
                }

                @Override
                public void parking(Thread t) {
                    // the thread's end wakes join
                }

                @Override
                public String describe() {
                    return "the end of thread '" + awaited.getName() + "' it started (main has returned)";
                }
            };
            waitingOn.set(r, w);
            try {
                awaited.join();
            } finally {
                waitingOn.set(r, null);
            }
        }
    }

    /**
     * Points the JVM's default handler of uncaught exceptions (once) at the failing rank, for threads of virtual-thread
     * ranks; other threads' exceptions go to the handler there was before, or are printed as the JVM does.
     */
    private static synchronized void routeUncaughtExceptions() {
        if (routing) {
            return;
        }
        routing = true;
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            RankOf of = RANK_OF.get(); // this handler runs in the dying thread
            if (of != null && of.job.finished.getCount() > 0) {
                of.job.rankFailedSafely(of.rank, e);
            } else if (before != null) {
                before.uncaughtException(t, e);
            } else if (!(e instanceof ThreadDeath)) {
                System.err.print("Exception in thread \"" + t.getName() + "\" ");
                e.printStackTrace(System.err);
            }
        });
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
        while (!awaitFinished(WATCH_MILLIS)) {
            if (failure.get() != null) {
                awaitFinished(graceMillis);
                return failure.get();
            }
            long now = totalProgress();
            boolean blocked;
            try {
                blocked = allBlocked();
            } catch (OutOfMemoryError e) {
                blocked = notBlocked(); // no room to look now; look again next time
            }
            if (now == lastProgress && blocked) {
                if (++quiet >= DEADLOCK_CHECKS && DEADLOCK_CHECKS > 0) {
                    fail(-1, new JparException(deadlockReport()));
                }
            } else {
                quiet = 0;
            }
            lastProgress = now;
        }
        if (failure.get() == null) {
            String unfinished = unfinishedCollective(world);
            for (Group g : madeGroups) {
                unfinished = unfinished != null ? unfinished : unfinishedCollective(g);
            }
            if (unfinished != null) {
                fail(-1, new JparException(unfinished));
            }
        }
        if (strict && failure.get() == null) {
            String left = describeLeftovers();
            if (left != null) {
                fail(-1, new JparException(left));
            }
        }
        return failure.get();
    }

    /**
     * Strict mode, once every rank has ended normally: the messages no receive took and the receives never matched
     * (MPI calls a program that leaves them erroneous; on a cluster they are often a lost result or a hang to come).
     *
     * @return the report, or null if nothing was left
     */
    private String describeLeftovers() {
        StringBuilder sb = new StringBuilder();
        int count = 0;
        java.util.List<Group> all = new java.util.ArrayList<>();
        all.add(world);
        all.addAll(madeGroups);
        for (Group g : all) {
            for (int r = 0; r < g.size(); r++) {
                for (String l : g.boxes[r].leftovers()) {
                    if (count++ < 20) {
                        sb.append(System.lineSeparator()).append("  rank ").append(g.jobRank(r)).append(": ").append(l)
                                .append(g.where(r));
                    }
                }
            }
        }
        if (count == 0) {
            return null;
        }
        if (count > 20) {
            sb.append(System.lineSeparator()).append("  ... and ").append(count - 20).append(" more");
        }
        return "strict mode: the job ended with " + count + " message" + (count == 1 ? "" : "s") + " or receive"
                + (count == 1 ? "" : "s") + " left unmatched (every message must be received, every request "
                + "completed before a rank finishes):" + sb;
    }

    /**
     * Waits up to {@code millis} for every rank to end. Waiting may allocate; when a rank keeps the heap full, it
     * sleeps instead, so the watchdog lives on to report that rank.
     */
    private boolean awaitFinished(long millis) throws InterruptedException {
        try {
            return finished.await(millis, TimeUnit.MILLISECONDS);
        } catch (OutOfMemoryError e) {
            LockSupport.parkNanos(millis * 1_000_000);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            return finished.getCount() == 0;
        }
    }

    /**
     * True when every rank has ended or waits in a receive nobody completed, and nothing else could still end such a
     * wait: every other thread of every rank (threads the program started, and those libraries start in a rank's
     * group, such as Fory's cleaner) waits without a timeout and used no CPU since the last check. A thread that runs, sleeps with a timeout, or
     * is new since the last check may still send, so it keeps the job from being called deadlocked; so does a busy common
     * fork-join pool.
     */
    private boolean allBlocked() {
        boolean anyWaiting = false;
        for (int r = 0; r < size; r++) {
            Thread t = threads[r];
            if (!t.isAlive()) {
                continue;
            }
            Waiting w = waitingOn.get(r);
            // a main thread may wait in jpar, or on a thread of its own (join, a lock) that waits in jpar
            if (w != null && w.mayEnd()) {
                LockSupport.unpark(t); // its wait is over: if no wake-up reached it, it looks again now
                return notBlocked();
            }
            if (t.getState() != Thread.State.WAITING) {
                return notBlocked();
            }
            anyWaiting |= w != null;
        }
        if (childProcessAlive()) { // a process a rank started may still end, and wake the thread that waits for it
            return notBlocked();
        }
        Map<Long, Long> seen = cpuSeen;
        Map<Long, Long> now = new HashMap<>();
        boolean idle = seen != null;
        for (Thread x : otherThreads()) {
            Thread.State s = x.getState();
            if (s != Thread.State.WAITING && s != Thread.State.BLOCKED && s != Thread.State.TERMINATED) {
                return notBlocked();
            }
            RankWait rw = threadWaits.get(x);
            if (rw != null) {
                if (rw.waiting().mayEnd()) {
                    LockSupport.unpark(x);
                    return notBlocked();
                }
                anyWaiting = true;
            }
            long id = x.getId();
            long cpu = cpuTime(id);
            now.put(id, cpu);
            idle &= seen != null && seen.containsKey(id) && seen.get(id) == cpu;
        }
        cpuSeen = now;
        if (virtualRanks) {
            // virtual threads a rank started are in no group to list: they must not wait in jpar for something that
            // may end, and the process must have used almost no CPU (the watchdog and the collector use a little)
            for (RankWait w : threadWaits.values()) {
                if (w.waiting().mayEnd()) {
                    return notBlocked();
                }
                anyWaiting = true;
            }
            long before = processCpuSeen;
            long cpu = processCpuTime();
            processCpuSeen = cpu;
            idle &= before >= 0 && cpu >= 0 && cpu - before < WATCH_MILLIS * 1_000_000 / 10;
        }
        if (!anyWaiting) {
            return false; // nobody waits in jpar: whatever the threads wait for, it is not a message
        }
        // the shared pool behind parallel streams and CompletableFuture may still complete what a rank's thread awaits
        return idle && ForkJoinPool.commonPool().getActiveThreadCount() == 0;
    }

    /** @return false, after forgetting the CPU times seen: the next check that finds every rank blocked starts anew */
    private boolean notBlocked() {
        cpuSeen = null;
        processCpuSeen = -1;
        return false;
    }

    /**
     * @return the platform threads the ranks started (and those libraries start in a rank's group, such as Fory's
     *         cleaner): in each rank's group but the rank's own thread; for virtual-thread ranks, the platform threads
     *         of the JVM's group of virtual threads, where every platform thread a virtual thread starts goes (those
     *         of other virtual threads of this JVM too: they only keep a job from being called deadlocked)
     */
    private java.util.List<Thread> otherThreads() {
        java.util.List<Thread> others = new java.util.ArrayList<>();
        if (virtualRanks) {
            ThreadGroup g = virtualGroup;
            if (g != null) {
                Thread[] all = new Thread[g.activeCount() + 4];
                int n = g.enumerate(all, true);
                others.addAll(java.util.Arrays.asList(all).subList(0, n));
            }
            return others;
        }
        for (int r = 0; r < size; r++) {
            if (groups[r].activeCount() <= 1 && threads[r].isAlive()) {
                continue; // only the rank's own thread
            }
            Thread[] all = new Thread[groups[r].activeCount() + 4];
            int n = groups[r].enumerate(all, true);
            for (int i = 0; i < n; i++) {
                if (all[i] != threads[r]) {
                    others.add(all[i]);
                }
            }
        }
        return others;
    }

    /** @return true if a process this JVM started still runs */
    private static boolean childProcessAlive() {
        try (java.util.stream.Stream<ProcessHandle> children = ProcessHandle.current().children()) {
            return children.anyMatch(ProcessHandle::isAlive);
        } catch (SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** @return this process's CPU time in ns, or -1 where the JVM does not measure it */
    private static long processCpuTime() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : -1;
    }

    /** @return the thread's CPU time in ns, or 0 where the JVM does not measure it (then only states count) */
    private long cpuTime(long threadId) {
        if (!mx.isThreadCpuTimeSupported() || !mx.isThreadCpuTimeEnabled()) {
            return 0;
        }
        return Math.max(0, mx.getThreadCpuTime(threadId));
    }

    /** @return the deadlock report, or its first line and why no more could be said: the job must end either way */
    private String deadlockReport() {
        try {
            return describeDeadlock();
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return "deadlock: every rank is waiting for a message that no rank can send (the report of where each rank"
                    + " waits failed: " + e + ")";
        }
    }

    /** Jobs larger than this get a condensed deadlock report ({@link #describeDeadlock()}). */
    static final int REPORT_EVERY_RANK_UP_TO = 64;
    /** The most rank lines a condensed deadlock report shows. */
    static final int REPORT_LINES = 40;

    /**
     * The deadlock report: a line per rank saying where it waits (with what its mailbox holds), then the cycle of
     * ranks waiting for each other, if there is one. Above {@value #REPORT_EVERY_RANK_UP_TO} ranks it is condensed:
     * consecutive ranks in the same state share a line ({@code ranks 5-4095: finished}), and after
     * {@value #REPORT_LINES} lines the rest are counted, not listed.
     */
    private String describeDeadlock() {
        StringBuilder sb = new StringBuilder("deadlock: every rank is waiting for a message that no rank can send");
        boolean condensed = size > REPORT_EVERY_RANK_UP_TO;
        int lines = 0;
        int r = 0;
        while (r < size) {
            String state = describeRank(r);
            int last = r;
            while (condensed && last + 1 < size && state.equals(describeRank(last + 1))) {
                last++;
            }
            if (condensed && lines == REPORT_LINES) {
                sb.append(System.lineSeparator()).append("  ... ranks ").append(r).append("-").append(size - 1)
                        .append(" not shown (").append(size - r).append(" ranks)");
                break;
            }
            sb.append(System.lineSeparator()).append(last > r ? "  ranks " + r + "-" + last : "  rank " + r)
                    .append(": ").append(state);
            lines++;
            r = last + 1;
        }
        String cycle = WaitFor.describe(WaitFor.cycle(waitsFor()));
        if (!cycle.isEmpty()) {
            sb.append(System.lineSeparator()).append("  cycle: ").append(cycle);
        }
        return sb.toString();
    }

    /** @return where rank {@code r} waits, for the deadlock report ({@code "finished"}, {@code "waits in ..."}) */
    private String describeRank(int r) {
        StringBuilder sb = new StringBuilder();
        if (!threads[r].isAlive()) {
            sb.append("finished");
        } else {
            Waiting w = waitingOn.get(r);
            sb.append(w != null ? "waits in " + w.describe() : "main waits on a thread of its own");
            for (Map.Entry<Thread, RankWait> e : threadWaits.entrySet()) {
                if (e.getValue().rank() == r) {
                    sb.append("; thread '").append(e.getKey().getName()).append("' waits in ")
                            .append(e.getValue().waiting().describe());
                }
            }
        }
        return sb.append(boxes[r].describeUnreceived()).toString();
    }

    /** @return for each waiting rank, the ranks its threads' jpar waits need (the wait-for graph) */
    private Map<Integer, java.util.Set<Integer>> waitsFor() {
        Map<Integer, java.util.Set<Integer>> edges = new HashMap<>();
        for (int r = 0; r < size; r++) {
            Waiting w = waitingOn.get(r);
            if (w != null && threads[r].isAlive() && w.peer() >= 0) {
                edges.computeIfAbsent(r, k -> new java.util.TreeSet<>()).add(w.peer());
            }
            for (RankWait e : threadWaits.values()) {
                if (e.rank() == r && e.waiting().peer() >= 0) {
                    edges.computeIfAbsent(r, k -> new java.util.TreeSet<>()).add(e.waiting().peer());
                }
            }
        }
        return edges;
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
