package org.jpar.programs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jpar.Par;

/**
 * Each rank first sends its right neighbour an object that needs the object codec ({@code args[0]}: {@code list}, an
 * {@code ArrayList}, or {@code map}, a {@code HashMap}) and receives its left neighbour's; then every rank receives
 * from its right neighbour, which nobody ever sends: a deadlock.
 */
public final class DeadlockAfterObject {
    private DeadlockAfterObject() {
    }

    public static void main(String[] args) {
        int right = (Par.rank() + 1) % Par.size();
        int left = (Par.rank() - 1 + Par.size()) % Par.size();
        Object sent;
        if (args.length > 0 && args[0].equals("map")) {
            Map<String, Integer> m = new HashMap<>();
            m.put("rank", Par.rank());
            sent = m;
        } else {
            List<Integer> l = new ArrayList<>();
            l.add(Par.rank());
            sent = l;
        }
        Par.send(sent, right, 1);
        Object got = Par.receive(left, 1);
        System.out.println("rank " + Par.rank() + " got " + got);
        Par.receive(right, 3);
    }
}
