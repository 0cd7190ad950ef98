package org.jpar.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpar.internal.diag.WaitFor;

/**
 * The launcher's half of the hang report of MPI engines: every rank's hang watch says on standard error when it
 * becomes stalled (blocked in jpar with no progress, and not computing), running again, or finished
 * ({@code jpar-hang-state RANK stalled MILLIS PEERS WHAT}); this class takes those lines out of the output and
 * declares a hang when every rank has been stalled or finished, with at least one stalled, for the timeout. Engine
 * independent: any engine whose ranks' transports are observed and whose launcher forwards their standard error can
 * use it.
 */
final class HangMonitor {
    private static final Pattern STATE = Pattern.compile("jpar-hang-state (\\d+) (stalled|running|finished)"
            + "(?: (\\d+) (\\S+) (.*))?");

    private static final Pattern WAIT = Pattern.compile("([sr])(-?\\d+):(-?\\d+):(-?\\d+)");

    /**
     * What one thread of a stalled rank waits in: a send-side call (send, wait for isend) or a receive-side one
     * (receive, probe, wait for ireceive), its peer (-1: any source), tag (-1: any tag) and communicator.
     */
    private record Wait(boolean send, int peer, int tag, int comm) {
        /** @return true if {@code other}, a call of rank {@code peer}, is the call matching this one of {@code rank} */
        boolean matchedBy(int rank, Wait other) {
            return other.send != send && other.comm == comm && (other.peer == rank || other.peer == -1)
                    && (other.tag == tag || other.tag == -1 || tag == -1);
        }
    }

    private record State(String kind, long sinceNanos, List<Wait> waits, String what) {
    }

    private final int ranks;
    private final long timeoutNanos;
    private final Map<Integer, State> states = new TreeMap<>();
    private boolean reported;

    /**
     * @param ranks          the job's ranks
     * @param timeoutSeconds how long without progress makes a hang
     */
    HangMonitor(int ranks, double timeoutSeconds) {
        this.ranks = ranks;
        this.timeoutNanos = (long) (timeoutSeconds * 1e9);
    }

    /** @return true if {@code line} was a rank's state line (then it is not shown) */
    synchronized boolean accept(String line, long nowNanos) {
        if (!line.startsWith("jpar-hang-state ")) {
            return false;
        }
        Matcher m = STATE.matcher(line);
        if (!m.matches()) {
            return false; // the program's own line that happens to start so: the user's, printed as it is
        }
        int rank = Integer.parseInt(m.group(1));
        String kind = m.group(2);
        if (kind.equals("stalled") && m.group(3) != null) {
            State before = states.get(rank);
            long since = before != null && before.kind.equals("stalled") ? before.sinceNanos
                    : nowNanos - TimeUnit.MILLISECONDS.toNanos(Long.parseLong(m.group(3)));
            List<Wait> waits = new ArrayList<>();
            if (!m.group(4).equals("-")) {
                for (String p : m.group(4).split(",")) {
                    Matcher w = WAIT.matcher(p);
                    if (w.matches()) {
                        waits.add(new Wait(w.group(1).equals("s"), Integer.parseInt(w.group(2)),
                                Integer.parseInt(w.group(3)), Integer.parseInt(w.group(4))));
                    }
                }
            }
            states.put(rank, new State(kind, since, waits, m.group(5)));
        } else {
            states.put(rank, new State(kind, nowNanos, List.of(), ""));
            if (kind.equals("running")) {
                reported = false; // progress: a later hang is a new one
            }
        }
        return true;
    }

    /** @return the hang report's lines when the job has just been found hanging (once per hang), else null */
    synchronized List<String> check(long nowNanos) {
        if (reported || states.size() < ranks) {
            return null;
        }
        long latest = Long.MIN_VALUE;
        boolean anyStalled = false;
        for (State s : states.values()) {
            if (s.kind.equals("running")) {
                return null;
            }
            anyStalled |= s.kind.equals("stalled");
            // a rank that finished made progress then: those waiting for it may be about to say they got it
            latest = Math.max(latest, s.sinceNanos);
        }
        if (!anyStalled || nowNanos - latest < timeoutNanos) {
            return null;
        }
        reported = true;
        List<String> out = new ArrayList<>();
        out.add("no rank has made progress for " + TimeUnit.NANOSECONDS.toSeconds(nowNanos - latest) + " s: the job "
                + "hangs (--hang-timeout " + fmt(timeoutNanos / 1e9) + ")");
        Map<Integer, Set<Integer>> edges = new TreeMap<>();
        for (Map.Entry<Integer, State> e : states.entrySet()) {
            State s = e.getValue();
            if (s.kind.equals("finished")) {
                out.add("  rank " + e.getKey() + ": finished (called Par.finish or ended)");
            } else {
                out.add("  rank " + e.getKey() + ": " + s.what + ", stalled for "
                        + TimeUnit.NANOSECONDS.toSeconds(nowNanos - s.sinceNanos) + " s");
                Set<Integer> peers = waitsFor(e.getKey(), s);
                if (!peers.isEmpty()) {
                    edges.put(e.getKey(), peers);
                }
            }
        }
        String cycle = WaitFor.describe(WaitFor.cycle(edges));
        if (!cycle.isEmpty()) {
            out.add("  cycle: " + cycle);
        } else {
            for (Map.Entry<Integer, Set<Integer>> e : edges.entrySet()) {
                for (int p : e.getValue()) {
                    State s = states.get(p);
                    if (s != null && s.kind.equals("finished")) {
                        out.add("  rank " + e.getKey() + " waits for rank " + p + ", which has finished");
                    }
                }
            }
        }
        return out;
    }

    /**
     * @return the ranks {@code rank} really waits for: the peer of each of its calls, unless that peer is itself
     *         blocked in the matching call (then neither waits for the other: e.g. a send still encoding while its
     *         receiver already waits), and no peer for a call from or to any rank
     */
    private Set<Integer> waitsFor(int rank, State s) {
        Set<Integer> peers = new TreeSet<>();
        for (Wait w : s.waits) {
            if (w.peer < 0) {
                continue;
            }
            State other = states.get(w.peer);
            boolean matched = other != null && other.waits.stream().anyMatch(o -> w.matchedBy(rank, o));
            if (!matched) {
                peers.add(w.peer);
            }
        }
        return peers;
    }

    private static String fmt(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
