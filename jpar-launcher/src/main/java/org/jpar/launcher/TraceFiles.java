package org.jpar.launcher;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.jpar.internal.diag.Diagnostics;
import org.jpar.internal.diag.Json;

/**
 * jpar's timeline files: the parts each process writes ({@code FILE.part-PID}, one JSON object per line), and the
 * Chrome Trace Event file they are merged into ({@code FILE}: one track per rank and thread, a flow arrow from each
 * send to its receive), which Perfetto and {@code chrome://tracing} open and {@code jpar trace} reads back.
 */
final class TraceFiles {
    /** One span of one thread of one rank; {@code flow} links a send to its receive (0: none). */
    record Event(int rank, int tid, String name, double ts, double dur, int peer, int tag, long bytes, long seq,
                 int comm, long flow) {
        double end() {
            return ts + dur;
        }

        boolean sendSide() {
            return name.equals("send") || name.equals("isend");
        }

        boolean receiveSide() {
            return name.equals("receive") || name.equals("wait");
        }
    }

    /** A whole trace: its events (by start), the host of each rank, the name of each thread. */
    record Trace(List<Event> events, Map<Integer, String> hosts, Map<Integer, String> threads,
                 Map<Integer, Integer> threadRanks) {
    }

    private TraceFiles() {
    }

    /** @return the part files of {@code file}, in name order */
    static List<Path> parts(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String prefix = file.getFileName() + ".part-";
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    /**
     * Fails the run before it starts, not after, when the trace and its parts cannot be written next to {@code file}
     * (a missing or read-only folder).
     */
    static void checkWritable(Path file) {
        Path probe = file.resolveSibling(file.getFileName() + ".check-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(Files.createFile(probe));
        } catch (IOException | RuntimeException e) {
            throw new UsageException("--trace " + file + ": cannot write there (" + e + "); give a file in a folder "
                    + "that exists and is writable");
        }
    }

    /** Removes the parts an earlier run left behind. */
    static void removeParts(Path file) {
        try {
            for (Path p : parts(file)) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UsageException("--trace " + file + ": cannot remove the old parts next to it: " + e.getMessage());
        }
    }

    /** After {@code jpar run --trace FILE}: writes this JVM's part (embedded engine), merges, says where it is. */
    static void finishRun(Path file, boolean inThisJvm) {
        try {
            if (inThisJvm) {
                Diagnostics.writePartNow();
            }
            int n = merge(file);
            System.err.println("jpar: trace of " + n + " events written to " + file + " (open it in Perfetto or "
                    + "chrome://tracing; 'jpar trace " + file + "' summarizes it and draws it as an HTML page)");
        } catch (IOException | RuntimeException e) {
            System.err.println("jpar: cannot write the trace " + file + ": " + e.getMessage());
        }
    }

    /**
     * Merges the parts of {@code file} into it and removes them. Processes of one host share a clock; each other
     * host is shifted, when its messages with the first rank's host would otherwise arrive before they were sent, to
     * the middle of the range that keeps every such message in order.
     *
     * @return the number of events written
     * @throws IOException when there are no parts or they cannot be read or written
     */
    static int merge(Path file) throws IOException {
        List<Path> parts = parts(file);
        if (parts.isEmpty()) {
            throw new IOException("no trace parts " + file.getFileName() + ".part-* next to " + file + " (did the "
                    + "job run with --trace or -Djpar.trace=" + file + "?)");
        }
        List<Event> events = new ArrayList<>();
        Map<Integer, String> hosts = new TreeMap<>();
        Map<Integer, String> threads = new LinkedHashMap<>();
        Map<Integer, Integer> threadRanks = new LinkedHashMap<>();
        Map<String, List<Event>> byHost = new LinkedHashMap<>();
        int tidBase = 0;
        for (Path part : parts) {
            String host = "?";
            int maxTid = 0;
            for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> o = (Map<String, Object>) MiniJson.parse(line);
                if (o.containsKey("part")) {
                    host = (String) o.get("host");
                } else if (o.containsKey("thread")) {
                    int tid = tidBase + num(o, "thread");
                    maxTid = Math.max(maxTid, num(o, "thread"));
                    threads.put(tid, (String) o.get("name"));
                    threadRanks.put(tid, num(o, "rank"));
                    hosts.putIfAbsent(num(o, "rank"), host);
                } else {
                    Event e = new Event(num(o, "r"), tidBase + num(o, "t"), (String) o.get("n"),
                            ((Number) o.get("s")).doubleValue(), ((Number) o.get("d")).doubleValue(), num(o, "p"),
                            num(o, "g"), ((Number) o.get("b")).longValue(), ((Number) o.get("q")).longValue(),
                            num(o, "c"), 0);
                    events.add(e);
                    byHost.computeIfAbsent(host, k -> new ArrayList<>()).add(e);
                }
            }
            tidBase += maxTid + 1;
        }
        events = align(events, hosts);
        events = link(events);
        events.sort(Comparator.comparingDouble(Event::ts));
        write(file, new Trace(events, hosts, threads, threadRanks));
        for (Path p : parts) {
            Files.deleteIfExists(p);
        }
        return events.size();
    }

    private static int num(Map<String, Object> o, String k) {
        return ((Number) o.get(k)).intValue();
    }

    private static String key(int comm, int source, int dest, int tag, long seq) {
        return comm + ":" + source + ">" + dest + ":" + tag + "#" + seq;
    }

    /** Shifts the clocks of hosts other than rank 0's (see {@link #merge}). */
    private static List<Event> align(List<Event> events, Map<Integer, String> hosts) {
        String ref = hosts.get(0);
        if (ref == null || hosts.values().stream().allMatch(ref::equals)) {
            return events;
        }
        Map<String, Event> sends = new HashMap<>();
        for (Event e : events) {
            if (e.sendSide() && e.seq() >= 0) {
                sends.put(key(e.comm(), e.rank(), e.peer(), e.tag(), e.seq()), e);
            }
        }
        Map<String, double[]> bounds = new HashMap<>(); // host -> {lo, hi}
        for (Event r : events) {
            if (!r.receiveSide() || r.seq() < 0) {
                continue;
            }
            Event s = sends.get(key(r.comm(), r.peer(), r.rank(), r.tag(), r.seq()));
            if (s == null) {
                continue;
            }
            String sh = hosts.get(s.rank());
            String rh = hosts.get(r.rank());
            if (ref.equals(sh) && !ref.equals(rh)) {
                double[] b = bounds.computeIfAbsent(rh, k -> new double[] {Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY});
                b[0] = Math.max(b[0], s.ts() - r.end());
            } else if (ref.equals(rh) && !ref.equals(sh)) {
                double[] b = bounds.computeIfAbsent(sh, k -> new double[] {Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY});
                b[1] = Math.min(b[1], r.end() - s.ts());
            }
        }
        Map<String, Double> offset = new HashMap<>();
        bounds.forEach((h, b) -> {
            double lo = b[0];
            double hi = b[1];
            double o = 0;
            if (lo > 0 || hi < 0) {
                o = Double.isInfinite(lo) ? hi : Double.isInfinite(hi) ? lo : (lo + hi) / 2;
            }
            offset.put(h, o);
        });
        List<Event> out = new ArrayList<>(events.size());
        for (Event e : events) {
            double o = offset.getOrDefault(hosts.get(e.rank()), 0.0);
            out.add(o == 0 ? e : new Event(e.rank(), e.tid(), e.name(), e.ts() + o, e.dur(), e.peer(), e.tag(),
                    e.bytes(), e.seq(), e.comm(), e.flow()));
        }
        return out;
    }

    /** Numbers each matched send and its receive with the same flow id. */
    private static List<Event> link(List<Event> events) {
        Map<String, Integer> sendAt = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e.sendSide() && e.seq() >= 0) {
                sendAt.put(key(e.comm(), e.rank(), e.peer(), e.tag(), e.seq()), i);
            }
        }
        List<Event> out = new ArrayList<>(events);
        long next = 1;
        for (int i = 0; i < events.size(); i++) {
            Event r = events.get(i);
            if (!r.receiveSide() || r.seq() < 0) {
                continue;
            }
            Integer s = sendAt.get(key(r.comm(), r.peer(), r.rank(), r.tag(), r.seq()));
            if (s == null) {
                continue;
            }
            long id = next++;
            out.set(i, withFlow(r, id, r.bytes()));
            Event sent = out.get(s);
            // an object's encoded size is known only once sent: the matched receive has it
            out.set(s, withFlow(sent, id, sent.bytes() >= 0 ? sent.bytes() : r.bytes()));
        }
        return out;
    }

    private static Event withFlow(Event e, long flow, long bytes) {
        return new Event(e.rank(), e.tid(), e.name(), e.ts(), e.dur(), e.peer(), e.tag(), bytes, e.seq(),
                e.comm(), flow);
    }

    private static String category(String name) {
        name = name.replace(" (unfinished)", ""); // an operation a rank was in when its part was written
        if (name.startsWith("task")) {
            return "task";
        }
        return switch (name) {
            case "send", "isend", "receive", "ireceive", "wait", "probe" -> "p2p";
            default -> "collective";
        };
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }

    /** Writes {@code t} as a Chrome Trace Event file, one event per line. */
    static void write(Path file, Trace t) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"jpar\"},\"traceEvents\":[\n");
            boolean first = true;
            for (Map.Entry<Integer, String> h : t.hosts().entrySet()) {
                first = line(w, first, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":" + h.getKey()
                        + ",\"args\":{\"name\":" + Json.str("rank " + h.getKey() + " (" + h.getValue() + ")") + "}}");
                first = line(w, first, "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":" + h.getKey()
                        + ",\"args\":{\"sort_index\":" + h.getKey() + "}}");
            }
            for (Map.Entry<Integer, String> th : t.threads().entrySet()) {
                first = line(w, first, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":"
                        + t.threadRanks().get(th.getKey()) + ",\"tid\":" + th.getKey() + ",\"args\":{\"name\":"
                        + Json.str(th.getValue()) + "}}");
            }
            for (Event e : t.events()) {
                first = line(w, first, "{\"ph\":\"X\",\"name\":" + Json.str(e.name()) + ",\"cat\":\""
                        + category(e.name()) + "\",\"pid\":" + e.rank() + ",\"tid\":" + e.tid() + ",\"ts\":"
                        + fmt(e.ts()) + ",\"dur\":" + fmt(e.dur()) + ",\"args\":{\"peer\":" + e.peer() + ",\"tag\":"
                        + e.tag() + ",\"bytes\":" + e.bytes() + ",\"seq\":" + e.seq() + ",\"comm\":" + e.comm()
                        + ",\"flow\":" + e.flow() + "}}");
                if (e.flow() != 0) {
                    // the arrow leaves the send where it starts and reaches the receive where it ends
                    first = line(w, first, "{\"ph\":\"" + (e.sendSide() ? "s" : "f") + "\""
                            + (e.sendSide() ? "" : ",\"bp\":\"e\"") + ",\"name\":\"message\",\"cat\":\"message\","
                            + "\"id\":" + e.flow() + ",\"pid\":" + e.rank() + ",\"tid\":" + e.tid() + ",\"ts\":"
                            + fmt(e.sendSide() ? e.ts() : e.end() - Math.min(e.dur(), 0.001)) + "}");
                }
            }
            w.write("\n]}\n");
        }
    }

    private static boolean line(BufferedWriter w, boolean first, String s) throws IOException {
        if (!first) {
            w.write(",\n");
        }
        w.write(s);
        return false;
    }

    /**
     * Reads a trace file jpar wrote (or parts not yet merged: they are merged first).
     *
     * @throws IOException when it cannot be read, or is not a Chrome Trace Event file
     */
    static Trace read(Path file) throws IOException {
        if (!Files.exists(file) && !parts(file).isEmpty()) {
            merge(file);
        }
        Object root = MiniJson.parse(Files.readString(file, StandardCharsets.UTF_8));
        Object list = root instanceof Map<?, ?> m ? m.get("traceEvents") : root;
        if (!(list instanceof List<?> all)) {
            throw new IOException(file + " is not a Chrome Trace Event file (no traceEvents)");
        }
        List<Event> events = new ArrayList<>();
        Map<Integer, String> hosts = new TreeMap<>();
        Map<Integer, String> threads = new LinkedHashMap<>();
        Map<Integer, Integer> threadRanks = new LinkedHashMap<>();
        for (Object x : all) {
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) x;
            String ph = (String) o.get("ph");
            @SuppressWarnings("unchecked")
            Map<String, Object> args = (Map<String, Object>) o.getOrDefault("args", Map.of());
            if ("M".equals(ph) && "process_name".equals(o.get("name"))) {
                String n = (String) args.get("name");
                int open = n.indexOf('(');
                hosts.put(num(o, "pid"), open < 0 ? "?" : n.substring(open + 1, n.length() - 1));
            } else if ("M".equals(ph) && "thread_name".equals(o.get("name"))) {
                threads.put(num(o, "tid"), (String) args.get("name"));
                threadRanks.put(num(o, "tid"), num(o, "pid"));
            } else if ("X".equals(ph)) {
                events.add(new Event(num(o, "pid"), num(o, "tid"), (String) o.get("name"),
                        ((Number) o.get("ts")).doubleValue(), ((Number) o.get("dur")).doubleValue(),
                        intArg(args, "peer"), intArg(args, "tag"), (long) dbl(args, "bytes"), (long) dbl(args, "seq"),
                        intArg(args, "comm"), (long) dbl(args, "flow")));
            }
        }
        events.sort(Comparator.comparingDouble(Event::ts));
        return new Trace(events, hosts, threads, threadRanks);
    }

    private static int intArg(Map<String, Object> args, String k) {
        return (int) dbl(args, k);
    }

    private static double dbl(Map<String, Object> args, String k) {
        Object v = args.get(k);
        return v instanceof Number n ? n.doubleValue() : -1;
    }
}
