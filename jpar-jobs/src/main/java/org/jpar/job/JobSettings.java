package org.jpar.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.Par;

/**
 * How a {@link Pool} or {@link JobServer} runs: one immutable object with documented defaults; each method returns a
 * changed copy. {@link #defaults()} reads three system properties (set them with {@code JPAR_JAVA_OPTS="-D..."} for
 * {@code jpar run}): {@code jpar.job.workers}, {@code jpar.job.journal}, {@code jpar.job.progress}.
 */
public final class JobSettings {
    /** System property: the master's local worker threads (see {@link #localWorkers(int)}). */
    public static final String WORKERS_PROPERTY = "jpar.job.workers";
    /** System property: the journal file (see {@link #journal(Path)}). */
    public static final String JOURNAL_PROPERTY = "jpar.job.journal";
    /** System property: {@code false} turns the progress bar off (see {@link #progressBar(boolean)}). */
    public static final String PROGRESS_PROPERTY = "jpar.job.progress";

    private final Communicator communicator;
    private final int localWorkers;
    private final Path journal;
    private final boolean progressBar;
    private final int maxAttempts;
    private final Duration joinTimeout;

    private JobSettings(Communicator communicator, int localWorkers, Path journal, boolean progressBar,
            int maxAttempts, Duration joinTimeout) {
        this.communicator = communicator;
        this.localWorkers = localWorkers;
        this.journal = journal;
        this.progressBar = progressBar;
        this.maxAttempts = maxAttempts;
        this.joinTimeout = joinTimeout;
    }

    /**
     * @return the defaults: the calling rank's world communicator, local workers autodetected, no journal, the
     *         progress bar on (it only shows on a terminal), 3 attempts, 10 s to join; the first three overridable
     *         by their system properties
     */
    public static JobSettings defaults() {
        String workers = System.getProperty(WORKERS_PROPERTY);
        int n = -1;
        if (workers != null && !workers.isBlank()) {
            try {
                n = Integer.parseInt(workers.trim());
            } catch (NumberFormatException e) {
                throw new JparException("-D" + WORKERS_PROPERTY + "=" + workers + " is not a number of workers");
            }
            checkWorkers(n, "-D" + WORKERS_PROPERTY);
        }
        String journal = System.getProperty(JOURNAL_PROPERTY);
        String progress = System.getProperty(PROGRESS_PROPERTY, "true").trim();
        boolean bar = !(progress.equalsIgnoreCase("false") || progress.equalsIgnoreCase("off")
                || progress.equals("0"));
        return new JobSettings(null, n, journal == null || journal.isBlank() ? null : Path.of(journal), bar, 3,
                Duration.ofSeconds(10));
    }

    /**
     * @param world the ranks that take part (default: the calling rank's {@link Par#world()}); the server is
     *              collective over it: its rank 0 is the master, the others serve
     */
    public JobSettings communicator(Communicator world) {
        return new JobSettings(Objects.requireNonNull(world, "world"), localWorkers, journal, progressBar, maxAttempts,
                joinTimeout);
    }

    /**
     * @param n worker threads the master runs in its own process, next to coordinating (pp's {@code ncpus}). Default:
     *          one per core ({@link Runtime#availableProcessors()}) when the master is alone, else 1 (with {@code -np}
     *          equal to the cores, every core computes). 0 leaves all the work to the other ranks.
     */
    public JobSettings localWorkers(int n) {
        checkWorkers(n, "localWorkers");
        return new JobSettings(communicator, n, journal, progressBar, maxAttempts, joinTimeout);
    }

    /**
     * @param file a journal: every successful result is appended to it as it arrives; when the program runs again
     *             with the same journal, a job whose task code (the class files of its class and of the classes
     *             it references from the same class-path entry) and arguments are the same takes its result from
     *             there instead of running. Created with mode 0600 beside its HMAC key {@code FILE.key}; records
     *             are authenticated, a damaged one costs only itself, and they are synced to the disk within 1 s.
     *             Opening it throws {@link org.jpar.JparException} if another user owns it or others may write it
     *             (see the README's journal section). Null (the default): no journal.
     */
    public JobSettings journal(Path file) {
        return new JobSettings(communicator, localWorkers, file, progressBar, maxAttempts, joinTimeout);
    }

    /**
     * @param on true (the default): a progress bar on the terminal while jobs are running for more than a second;
     *           never shown when standard output is not a terminal. False: never.
     */
    public JobSettings progressBar(boolean on) {
        return new JobSettings(communicator, localWorkers, journal, on, maxAttempts, joinTimeout);
    }

    /**
     * @param n how many times a job may be started before it is given up when every worker that ran it died (default
     *          3); a job whose task throws is never retried
     */
    public JobSettings maxAttempts(int n) {
        if (n < 1) {
            throw new JparException("maxAttempts " + n + " is out of range: a job needs at least 1 attempt");
        }
        return new JobSettings(communicator, localWorkers, journal, progressBar, n, joinTimeout);
    }

    /**
     * @param timeout how long the master's constructor waits for every other rank to serve (default 10 s; each rank
     *                warms its codec first, the better part of a second on a fresh JVM). A rank that has not joined
     *                by then is reported and gets no work until it joins; the others do not wait for it.
     */
    public JobSettings joinTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new JparException("joinTimeout " + timeout + " is out of range: zero or more");
        }
        return new JobSettings(communicator, localWorkers, journal, progressBar, maxAttempts, timeout);
    }

    /** @return the communicator, or null for the calling rank's world */
    public Communicator communicator() {
        return communicator;
    }

    /** @return the local workers asked for, or -1 for autodetect */
    public int localWorkers() {
        return localWorkers;
    }

    /** @return the journal file, or null */
    public Path journal() {
        return journal;
    }

    /** @return whether the progress bar may show */
    public boolean progressBar() {
        return progressBar;
    }

    /** @return how many times a job may be started */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return how long the master waits at creation for the other ranks */
    public Duration joinTimeout() {
        return joinTimeout;
    }

    @Override
    public String toString() {
        return "JobSettings[communicator=" + (communicator == null ? "world" : communicator) + ", localWorkers="
                + (localWorkers < 0 ? "auto" : localWorkers) + ", journal=" + journal + ", progressBar="
                + progressBar + ", maxAttempts=" + maxAttempts + ", joinTimeout=" + joinTimeout.toMillis() + " ms]";
    }

    static void checkWorkers(int n, String what) {
        if (n < 0 || n > 4096) {
            throw new JparException(what + " " + n + " is out of range: 0..4096 local worker threads");
        }
    }
}
