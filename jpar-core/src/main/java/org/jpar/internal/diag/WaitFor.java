package org.jpar.internal.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The wait-for graph of a stuck job: which rank waits for which (a receive waits for its source, a send for its
 * destination). Shared by the embedded engine's deadlock report and the MPI engines' hang report.
 */
public final class WaitFor {
    private WaitFor() {
    }

    /**
     * @param edges for each rank, the ranks it waits for (a rank waiting for any rank, or in a collective, has none)
     * @return the ranks of one cycle in wait order, starting at its smallest rank (the first rank is not repeated at
     *         the end); empty when there is none
     */
    public static List<Integer> cycle(Map<Integer, ? extends Set<Integer>> edges) {
        List<Integer> best = List.of();
        for (Integer start : new java.util.TreeSet<>(edges.keySet())) {
            List<Integer> path = new ArrayList<>();
            List<Integer> found = dfs(start, start, edges, path, new java.util.HashSet<>());
            if (!found.isEmpty() && (best.isEmpty() || found.size() < best.size())) {
                best = found;
            }
        }
        return best;
    }

    private static List<Integer> dfs(int start, int at, Map<Integer, ? extends Set<Integer>> edges, List<Integer> path,
            Set<Integer> seen) {
        path.add(at);
        seen.add(at);
        Set<Integer> next = edges.get(at);
        if (next != null) {
            for (int n : new java.util.TreeSet<>(next)) {
                if (n == start) {
                    return new ArrayList<>(path);
                }
                if (n > start && !seen.contains(n)) { // each cycle is found from its smallest rank only
                    List<Integer> c = dfs(start, n, edges, path, seen);
                    if (!c.isEmpty()) {
                        return c;
                    }
                }
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }

    /** Cycles longer than this are shown by their first {@value #HEAD} and last {@value #TAIL} ranks. */
    static final int SHOWN = 10;
    private static final int HEAD = 5;
    private static final int TAIL = 3;

    /**
     * @return e.g. {@code rank 0 waits for rank 1, which waits for rank 0}; a cycle of more than {@value #SHOWN} ranks
     *         shows its first and last ranks and how many it leaves out; empty for an empty cycle
     */
    public static String describe(List<Integer> cycle) {
        if (cycle.isEmpty()) {
            return "";
        }
        int n = cycle.size();
        StringBuilder sb = new StringBuilder("rank ").append(cycle.get(0));
        for (int i = 1; i < n; i++) {
            if (n > SHOWN && i == HEAD) {
                sb.append(", ... (").append(n - HEAD - TAIL).append(" ranks more) ...");
                i = n - TAIL;
            }
            sb.append(i == 1 ? " waits for rank " : ", which waits for rank ").append(cycle.get(i));
        }
        sb.append(n == 1 ? " waits for itself" : ", which waits for rank " + cycle.get(0));
        if (n > SHOWN) {
            sb.append(" (a cycle of ").append(n).append(" ranks)");
        }
        return sb.toString();
    }
}
