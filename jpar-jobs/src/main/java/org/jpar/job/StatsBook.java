package org.jpar.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The workers' rows of statistics and the measured mean cost of a unit, under the scheduler's lock. */
final class StatsBook {
    private final long created = System.nanoTime();
    private final List<Worker> rows = new ArrayList<>();
    private final Worker journalRow = new Worker.Local("journal");
    /** Mean run time of a unit, ns (an exponential average; -1 until measured). */
    double meanUnitNanos = -1;

    void add(Worker w) {
        rows.add(w);
    }

    /** {@code n} jobs had their results in the journal. */
    void fromJournal(int n) {
        journalRow.jobs += n;
    }

    /** Statistics of a finished unit. */
    void account(Worker w, Unit u, long nanos, Object[] failures) {
        w.jobs += u.jobs.length;
        w.nanos += nanos;
        for (Object f : failures) {
            if (f != null) {
                w.failed++;
            }
        }
        meanUnitNanos = meanUnitNanos < 0 ? nanos : 0.8 * meanUnitNanos + 0.2 * nanos;
    }

    JobStats snapshot(int active, int workers) {
        List<JobStats.Worker> ws = new ArrayList<>();
        for (Worker w : rows) {
            ws.add(new JobStats.Worker(w.name, w.jobs, w.failed, Duration.ofNanos(w.nanos), w.death));
        }
        if (journalRow.jobs > 0) {
            ws.add(new JobStats.Worker(journalRow.name, journalRow.jobs, 0, Duration.ZERO, null));
        }
        return new JobStats(ws, active, workers, Duration.ofNanos(System.nanoTime() - created));
    }
}
