package org.jpar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The ping-pong benchmark's payloads, shared by jpar's and the raw baselines' runs so they measure the same. */
public final class Payloads {
    /** One payload: its name, a factory, and round trips per timed batch. */
    public record Payload(String name, Object value, long bytes, int iterations) {
    }

    /** The short String of the benchmark. */
    public static final String SHORT_STRING = "Hello, jpar! 123";

    private Payloads() {
    }

    /**
     * @param extra payload names a benchmark adds to {@link #arrays} and {@link #objects}
     * @return the payloads {@code -Djpar.bench.payloads=a,b} names, or null for all
     * @throws org.jpar.JparException naming the valid names when one is unknown
     */
    public static List<String> chosen(String... extra) {
        String only = System.getProperty("jpar.bench.payloads", "");
        if (only.isBlank()) {
            return null;
        }
        List<String> known = new java.util.ArrayList<>();
        arrays(0.001).forEach(p -> known.add(p.name()));
        objects(0.001).forEach(p -> known.add(p.name()));
        known.addAll(List.of(extra));
        List<String> chosen = List.of(only.trim().split("\\s*,\\s*"));
        for (String c : chosen) {
            if (!known.contains(c)) {
                throw new org.jpar.JparException("-Djpar.bench.payloads: no payload is named '" + c + "'; choose "
                        + "from " + String.join(",", known));
            }
        }
        return chosen;
    }

    /** @return the byte[] payloads: 8 B, 1 KiB, 64 KiB, 1 MiB */
    public static List<Payload> arrays(double scale) {
        return List.of(
                new Payload("bytes8", new byte[8], 8, it(200_000, scale)),
                new Payload("bytes1K", new byte[1024], 1024, it(100_000, scale)),
                new Payload("bytes64K", new byte[64 * 1024], 64 * 1024, it(10_000, scale)),
                new Payload("bytes1M", new byte[1024 * 1024], 1024 * 1024, it(1_000, scale)));
    }

    /** @return the object payloads: a short String, a list of 1000 Integers */
    public static List<Payload> objects(double scale) {
        List<Integer> list = new ArrayList<>(1000);
        for (int i = 0; i < 1000; i++) {
            list.add(i * 7919);
        }
        return List.of(
                new Payload("string", SHORT_STRING, SHORT_STRING.length(), it(200_000, scale)),
                new Payload("list1000", list, -1, it(20_000, scale)));
    }

    private static int it(int n, double scale) {
        return Math.max(10, (int) (n * scale));
    }

    /** @return the benchmark's line: {@code jpar-<engine> payload=... bytes=... latency_us=... bandwidth_MBps=...} */
    public static String line(String who, String payload, long bytes, double oneWayNanos) {
        double us = oneWayNanos / 1000.0;
        double mbps = bytes > 0 ? bytes / (oneWayNanos / 1e9) / 1e6 : 0;
        return String.format(Locale.ROOT, "%s payload=%s bytes=%d latency_us=%.3f bandwidth_MBps=%.1f",
                who, payload, bytes, us, mbps);
    }

    /**
     * @return the benchmark's line with the median and the best of {@code batches} (one-way ns each):
     *         {@code ... latency_us=<median> best_us=<best> bandwidth_MBps=<at the median>}
     */
    public static String line(String who, String payload, long bytes, double[] batches) {
        double median = median(batches);
        double best = java.util.Arrays.stream(batches).min().orElse(median);
        double mbps = bytes > 0 ? bytes / (median / 1e9) / 1e6 : 0;
        return String.format(Locale.ROOT, "%s payload=%s bytes=%d latency_us=%.3f best_us=%.3f bandwidth_MBps=%.1f",
                who, payload, bytes, median / 1000.0, best / 1000.0, mbps);
    }

    /** Appends {@code line} to {@code file} (null: nothing), for a benchmark that compares several runs. */
    public static void record(String file, String line) {
        if (file == null) {
            return;
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), line + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the benchmark's results to " + file, e);
        }
    }

    /** @return the median of {@code values} */
    public static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }
}
