package org.jpar.internal.diag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The wait-for graph of a stuck job: which rank waits for which (a receive waits for its source, a send for its
 * destination). Shared by the embedded engine's deadlock report and the MPI engines' hang report.
 */
public final class WaitFor {
    private WaitFor() {
    }

    /**
     * Iterative (a chain of thousands of waiting ranks needs no stack of that depth) and linear in ranks and edges:
     * one depth-first walk from the ranks in ascending order, neighbours in ascending order, up to the first edge back
     * to a rank on the walk's path.
     *
     * @param edges for each rank, the ranks it waits for (a rank waiting for any rank, or in a collective, has none)
     * @return the ranks of one cycle in wait order, starting at its smallest rank (the first rank is not repeated at
     *         the end); empty when there is none
     */
    public static List<Integer> cycle(Map<Integer, ? extends Set<Integer>> edges) {
        Set<Integer> visited = new HashSet<>();
        for (Integer start : new TreeSet<>(edges.keySet())) {
            if (visited.contains(start)) {
                continue;
            }
            List<Integer> path = new ArrayList<>();
            List<Iterator<Integer>> next = new ArrayList<>();
            Map<Integer, Integer> onPath = new HashMap<>(); // rank -> its index in path
            push(start, edges, path, next, onPath, visited);
            while (!path.isEmpty()) {
                Iterator<Integer> it = next.get(next.size() - 1);
                if (!it.hasNext()) {
                    onPath.remove(path.remove(path.size() - 1));
                    next.remove(next.size() - 1);
                    continue;
                }
                int n = it.next();
                Integer at = onPath.get(n);
                if (at != null) {
                    List<Integer> c = new ArrayList<>(path.subList(at, path.size()));
                    Collections.rotate(c, -c.indexOf(Collections.min(c)));
                    return c;
                }
                if (!visited.contains(n)) {
                    push(n, edges, path, next, onPath, visited);
                }
            }
        }
        return List.of();
    }

    private static void push(int rank, Map<Integer, ? extends Set<Integer>> edges, List<Integer> path,
            List<Iterator<Integer>> next, Map<Integer, Integer> onPath, Set<Integer> visited) {
        visited.add(rank);
        onPath.put(rank, path.size());
        path.add(rank);
        Set<Integer> out = edges.get(rank);
        next.add(out == null ? Collections.emptyIterator() : new TreeSet<>(out).iterator());
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
