package org.jpar.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jpar trace FILE}: a summary per rank of a timeline, and the timeline drawn as a self-contained HTML page. */
@Command(name = "trace", mixinStandardHelpOptions = true, separator = " ",
        description = {"Summarizes a timeline written by 'jpar run --trace FILE'.",
            "Per rank: the time spent computing, sending and waiting, and the longest waits with their peers. Under "
            + "plain mpirun (-Djpar.trace=FILE) the parts FILE.part-* are merged first. Writes the timeline drawn as "
            + "a page that needs no network (FILE.html; open it on any machine with a browser)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:summary and page written", "2:usage error: no such trace, or not a trace"})
final class TraceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the trace file")
    Path file;

    @Option(names = "--html", paramLabel = "PAGE", description = "where to write the page (default: FILE.html)")
    Path html;

    @Option(names = "--top", paramLabel = "N", defaultValue = "3", description = "longest waits shown per rank "
            + "(default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() {
        TraceFiles.Trace t;
        if (!Files.exists(file)) {
            throw new UsageException("cannot read the trace " + file + ": no such file (write one with 'jpar run "
                    + "--trace " + file + " ...')");
        }
        try {
            t = TraceFiles.read(file);
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new UsageException("cannot read the trace " + file + ": " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            // a JSON file that is not a trace jpar wrote (an event without its fields, nesting beyond reason)
            throw new UsageException("cannot read the trace " + file + ": it is not a trace jpar wrote (" + e + ")");
        } catch (OutOfMemoryError e) {
            throw new UsageException("cannot read the trace " + file + " (" + file.toFile().length() / (1 << 20)
                    + " MiB): the heap is too small for it; give jpar more with JPAR_JAVA_OPTS=-Xmx8g (or trace a "
                    + "shorter run)");
        }
        PrintStream out = System.out;
        summary(t, top).forEach(out::println);
        Path page = html != null ? html : file.resolveSibling(file.getFileName() + ".html");
        try {
            Files.writeString(page, TracePage.html(t, file.getFileName().toString()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot write the page " + page + ": " + e.getMessage());
        }
        out.println("timeline page: " + page);
        return Main.OK;
    }

    /** What a span of a rank counts as. */
    private static String kind(String name) {
        if (name.equals("send") || name.equals("isend")) {
            return "sending";
        }
        if (name.startsWith("task") || name.equals("ireceive")) {
            return null; // a task computes; posting a receive is instant
        }
        return "waiting";
    }

    /** @return the summary's lines */
    static List<String> summary(TraceFiles.Trace t, int top) {
        List<String> out = new ArrayList<>();
        if (t.events().isEmpty()) {
            out.add("the trace has no events");
            return out;
        }
        double start = Double.MAX_VALUE;
        double end = -Double.MAX_VALUE;
        for (TraceFiles.Event e : t.events()) {
            start = Math.min(start, e.ts());
            end = Math.max(end, e.end());
        }
        double span = end - start;
        Map<Integer, List<TraceFiles.Event>> byRank = new TreeMap<>();
        for (TraceFiles.Event e : t.events()) {
            byRank.computeIfAbsent(e.rank(), k -> new ArrayList<>()).add(e);
        }
        long messages = t.events().stream().filter(e -> e.sendSide()).count();
        long linked = t.events().stream().filter(e -> e.sendSide() && e.flow() != 0).count();
        out.add(String.format(Locale.ROOT, "%d ranks, %s from the first operation to the last, %d events, %d messages "
                + "sent (%d matched to their receive)", byRank.size(), time(span), t.events().size(), messages, linked));
        out.add(String.format(Locale.ROOT, "%-6s %-24s %22s %22s %22s", "rank", "host", "computing", "sending",
                "waiting"));
        for (Map.Entry<Integer, List<TraceFiles.Event>> r : byRank.entrySet()) {
            // a rank computes while any of its threads runs a task, whatever its other threads wait for
            List<double[]> tasks = spans(r.getValue(), "task");
            double sending = length(minus(spans(r.getValue(), "sending"), tasks));
            double waiting = length(minus(spans(r.getValue(), "waiting"), tasks));
            double computing = Math.max(0, span - length(minus(spans(r.getValue(), null), tasks)));
            out.add(String.format(Locale.ROOT, "%-6d %-24s %22s %22s %22s", r.getKey(),
                    t.hosts().getOrDefault(r.getKey(), "?"), share(computing, span), share(sending, span),
                    share(waiting, span)));
        }
        for (Map.Entry<Integer, List<TraceFiles.Event>> r : byRank.entrySet()) {
            List<TraceFiles.Event> waits = new ArrayList<>(r.getValue().stream()
                    .filter(e -> "waiting".equals(kind(e.name()))).toList());
            waits.sort(Comparator.comparingDouble(TraceFiles.Event::dur).reversed());
            for (int i = 0; i < Math.min(top, waits.size()); i++) {
                TraceFiles.Event e = waits.get(i);
                out.add(String.format(Locale.ROOT, "  rank %d waited %s in %s at +%s", r.getKey(), time(e.dur()),
                        describe(e), time(e.ts() - start)));
            }
        }
        return out;
    }

    private static String describe(TraceFiles.Event e) {
        String unfinished = " (unfinished)";
        String name = e.name().endsWith(unfinished) ? e.name().substring(0, e.name().length() - unfinished.length())
                : e.name();
        String still = name.equals(e.name()) ? "" : unfinished;
        String where = e.comm() != 0 ? " on communicator " + e.comm() : "";
        if (name.equals("receive") || name.equals("wait") || name.equals("probe")) {
            String from = e.peer() >= 0 ? "from rank " + e.peer() : "from any rank";
            return name + " " + from + (e.tag() >= 0 ? " (tag " + e.tag() + ")" : "") + where + still;
        }
        if (name.equals("send")) {
            return name + " to rank " + e.peer() + (e.tag() >= 0 ? " (tag " + e.tag() + ")" : "") + where + still;
        }
        return name + (e.peer() >= 0 ? " (root " + e.peer() + ")" : "") + where + still;
    }

    /**
     * @return the rank's spans of {@code kind} ({@code sending}, {@code waiting}, {@code task}; null: sending or
     *         waiting) merged where they overlap, in time order
     */
    private static List<double[]> spans(List<TraceFiles.Event> events, String kind) {
        List<double[]> spans = new ArrayList<>();
        for (TraceFiles.Event e : events) {
            String k = e.name().startsWith("task") ? "task" : kind(e.name());
            if (k != null && (kind == null ? !k.equals("task") : kind.equals(k))) {
                spans.add(new double[] {e.ts(), e.end()});
            }
        }
        spans.sort(Comparator.comparingDouble(a -> a[0]));
        List<double[]> merged = new ArrayList<>();
        for (double[] s : spans) {
            double[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && s[0] <= last[1]) {
                last[1] = Math.max(last[1], s[1]);
            } else {
                merged.add(new double[] {s[0], s[1]});
            }
        }
        return merged;
    }

    /** @return {@code a} without the time {@code b} covers (both merged and in time order) */
    private static List<double[]> minus(List<double[]> a, List<double[]> b) {
        List<double[]> out = new ArrayList<>();
        for (double[] s : a) {
            double from = s[0];
            for (double[] c : b) {
                if (c[1] <= from || c[0] >= s[1]) {
                    continue;
                }
                if (c[0] > from) {
                    out.add(new double[] {from, c[0]});
                }
                from = Math.max(from, c[1]);
            }
            if (from < s[1]) {
                out.add(new double[] {from, s[1]});
            }
        }
        return out;
    }

    private static double length(List<double[]> spans) {
        double total = 0;
        for (double[] s : spans) {
            total += s[1] - s[0];
        }
        return total;
    }

    private static String share(double part, double whole) {
        return String.format(Locale.ROOT, "%s (%5.1f%%)", time(part), whole <= 0 ? 0 : 100 * part / whole);
    }

    /** @return micro seconds as a readable time */
    static String time(double us) {
        if (us >= 1e6) {
            return String.format(Locale.ROOT, "%.2f s", us / 1e6);
        }
        if (us >= 1e3) {
            return String.format(Locale.ROOT, "%.2f ms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f us", us);
    }
}
