package org.jpar.job;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Job execution statistics, as pp's {@code print_stats()}: per worker, how many jobs it ran, their share of all jobs
 * and the time they took on it. {@link #table()} is the printed form.
 *
 * @param workers    one row per worker that ever served (the master's threads, then the other ranks), and a row
 *                   {@code journal} for results taken from the journal
 * @param activeJobs jobs submitted and not yet done
 * @param liveWorkers workers taking jobs now
 * @param elapsed    time since the server was created
 */
public record JobStats(List<Worker> workers, int activeJobs, int liveWorkers, Duration elapsed) {
    /**
     * One worker's row.
     *
     * @param name   {@code rank 1}, {@code rank 0 thread 1}, {@code thread 2} (a local server), {@code journal}
     * @param jobs   jobs it ran (succeeded or failed)
     * @param failed those whose task threw
     * @param time   the sum of their run times on this worker
     * @param death  why it died (the fatal error), or null while it lives
     */
    public record Worker(String name, long jobs, long failed, Duration time, String death) {
        /** @return true if this worker died (its unfinished jobs were rescheduled on the others) */
        public boolean died() {
            return death != null;
        }
    }

    /** Freezes the list. */
    public JobStats {
        workers = List.copyOf(workers);
    }

    /** @return all jobs done, over every worker */
    public long jobs() {
        return workers.stream().mapToLong(Worker::jobs).sum();
    }

    /** @return the jobs whose task threw */
    public long failed() {
        return workers.stream().mapToLong(Worker::failed).sum();
    }

    /**
     * @return the jobs whose result was taken from the journal (computed by an earlier run of the same program)
     *         instead of being run: the {@code journal} row's count
     */
    public long fromJournal() {
        return workers.stream().filter(w -> w.name().equals("journal")).mapToLong(Worker::jobs).sum();
    }

    /** @return the sum of all jobs' run times */
    public Duration time() {
        return workers.stream().map(Worker::time).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * @return pp's table (with a journal, a line after the total says how many results it gave, e.g.
     *         {@code 4 results were taken from the journal (computed by an earlier run), 5 computed now}):
     * <pre>
     * Job execution statistics:
     *  job count | % of all jobs | job time sum | time per job | job server
     *          5 |         55.56 |       1.2345 |     0.246900 | rank 0 thread 1
     *          4 |         44.44 |       1.0000 |     0.250000 | rank 1
     *          9 |        100.00 |       2.2345 |     0.248278 | total
     * Time elapsed since server creation 1.2900
     * 0 active tasks, 2 workers
     * </pre>
     */
    public String table() {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append("Job execution statistics:").append(nl);
        sb.append(" job count | % of all jobs | job time sum | time per job | job server").append(nl);
        long total = jobs();
        for (Worker w : workers) {
            row(sb, w.jobs(), total, w.time(), w.name() + (w.died() ? " (died: " + w.death() + ")" : ""));
        }
        row(sb, total, total, time(), "total");
        long kept = fromJournal();
        if (kept > 0) {
            sb.append(kept).append(kept == 1 ? " result was" : " results were").append(" taken from the journal "
                    + "(computed by an earlier run), ").append(total - kept).append(" computed now").append(nl);
        }
        long failed = failed();
        if (failed > 0) {
            sb.append(failed).append(failed == 1 ? " job" : " jobs").append(" failed (the task threw)").append(nl);
        }
        sb.append(String.format(Locale.ROOT, "Time elapsed since server creation %.4f", seconds(elapsed))).append(nl);
        sb.append(activeJobs).append(" active tasks, ").append(liveWorkers)
                .append(liveWorkers == 1 ? " worker" : " workers").append(nl);
        return sb.toString();
    }

    private static void row(StringBuilder sb, long jobs, long total, Duration time, String name) {
        double t = seconds(time);
        sb.append(String.format(Locale.ROOT, "    %6d |        %6.2f |     %8.4f |  %11.6f | %s", jobs,
                total == 0 ? 0.0 : 100.0 * jobs / total, t, jobs == 0 ? 0.0 : t / jobs, name))
                .append(System.lineSeparator());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
