package org.jpar.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jpar.bench.AllreduceBench;
import org.jpar.bench.CollectiveBench;
import org.jpar.bench.PingPong;
import org.jpar.engine.openmpi.OpenMpiInstallation;

/**
 * {@code jpar bench pingpong|allreduce|bcast|alltoall --engine native [--mpi M]}: jpar on the native engine with, in
 * the same ranks,
 * batch by batch in turn, the same operations in C (the MPI's own {@code mpicc} builds {@code mpibench.c} into a
 * shared library the ranks load: {@link org.jpar.engine.nativempi.CBaseline}); then, for the ping-pong under Open MPI,
 * jpar on the Java-bindings (JNI) engine in a second run, again alternating with C (loaded the same way when that run's
 * JDK is 22 or later); then each engine's ratios to C in its own run (best batch, median batch, paired), and native
 * over JNI as the quotient of the two.
 */
final class NativeBench {
    private static final Pattern LINE = Pattern.compile("(\\S+) payload=(\\S+) .*");
    private static final Pattern MEDIAN = Pattern.compile(" median_us=([0-9.]+)");
    private static final Pattern BEST = Pattern.compile(" best_us=([0-9.]+)");
    private static final Pattern RATIOS = Pattern.compile(
            " jpar_ratio_best=([0-9.]+) jpar_ratio_median=([0-9.]+) jpar_ratio_paired=([0-9.]+)");

    private NativeBench() {
    }

    /**
     * @param benchmark {@code pingpong}, {@code allreduce}, {@code bcast} or {@code alltoall} (the last two print
     *                  their own lines, with their ratios to C and to FFM alone: {@code CollectiveBench})
     * @param ranks     the job's ranks (the ping-pong uses ranks 0 and 1; the others run empty batches)
     * @return the launcher's exit code
     */
    static int run(String benchmark, List<String> options, double scale, int ranks) throws IOException {
        boolean pingpong = benchmark.equals("pingpong");
        String mpi = NativeLauncher.mpi(new Engine.Job(2, "", List.of(), null, null, options));
        Path dir = Files.createTempDirectory("jpar-bench");
        try {
            Path results = dir.resolve("results.txt");
            Class<?> main = pingpong ? PingPong.class : AllreduceBench.class;
            Path library = cLibrary(mpi, dir);
            Map<String, String> env = new java.util.HashMap<>(System.getenv());
            String opts = env.getOrDefault("JPAR_JAVA_OPTS", "");
            env.put("JPAR_JAVA_OPTS", (opts + " -Djpar.bench.results=" + results + " -D" + PingPong.C_LIBRARY + "="
                    + library + " -D" + PingPong.C_NAME + "=c-" + mpi).trim());
            List<String> args = List.of(Double.toString(scale), pingpong ? "baseline" : results.toString());
            if (!pingpong && !benchmark.equals("allreduce")) {
                return new NativeLauncher(env).run(new Engine.Job(ranks, CollectiveBench.class.getName(),
                        List.of(benchmark, Double.toString(scale)), null, null, options));
            }
            int code = new NativeLauncher(env).run(new Engine.Job(ranks, main.getName(), args, null, null, options));
            if (code != 0) {
                return code;
            }
            int nativeLines = Files.readAllLines(results, StandardCharsets.UTF_8).size();
            if (pingpong && mpi.equals("openmpi")) {
                if (hasMpiJar()) {
                    code = new OpenMpiLauncher(env).run(new Engine.Job(2, main.getName(),
                            List.of(Double.toString(scale), "c-baseline"), null, null, List.of()));
                    if (code != 0) {
                        return code;
                    }
                } else {
                    System.out.println("(no jpar-openmpi line: Open MPI's mpi.jar is not installed; "
                            + "mpirun-scripts/install-engines builds it)");
                }
            }
            List<String> lines = Files.readAllLines(results, StandardCharsets.UTF_8);
            summary(lines.subList(0, nativeLines), lines.subList(nativeLines, lines.size()), "c-" + mpi);
            return Main.OK;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static boolean hasMpiJar() {
        try {
            OpenMpiInstallation.locate(null, System.getenv());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Builds {@code mpibench.c} with the MPI's mpicc into a shared library in {@code dir}. @return its path */
    private static Path cLibrary(String mpi, Path dir) throws IOException {
        Path source = dir.resolve("mpibench.c");
        try (InputStream in = NativeBench.class.getResourceAsStream("/org/jpar/bench/mpibench.c")) {
            if (in == null) {
                throw new UsageException("this jpar.jar has no mpibench.c: rebuild it");
            }
            Files.copy(in, source);
        }
        Path library = dir.resolve("libmpibench.so");
        String mpicc = mpi.equals("mpich") ? "mpicc.mpich" : "mpicc";
        exec(List.of(mpicc, "-O2", "-shared", "-fPIC", "-o", library.toString(), source.toString()),
                mpicc + " (install the MPI's development package, e.g. libopenmpi-dev or libmpich-dev)");
        return library;
    }

    private static List<String> exec(List<String> cmd, String what) throws IOException {
        Path out = Files.createTempFile("jpar-bench", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new UsageException(what + " did not end within 600 s: " + String.join(" ", cmd));
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new UsageException(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd)
                        + "\n" + String.join("\n", lines));
            }
            return lines;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException(what + " was interrupted");
        } catch (IOException e) {
            throw new UsageException("cannot run " + cmd.get(0) + " for " + what + ": " + e.getMessage());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Prints, per payload, each engine's ratios to C from the C lines of its own run (best, median, paired: see
     * {@code AlternatingBatches}), and native over JNI as their quotient (the runs differ, C is their common yardstick).
     * Objects have no C loop: native over JNI is then the quotient of the two runs' own times (best, median).
     */
    private static void summary(List<String> nativeRun, List<String> jniRun, String c) {
        Map<String, double[]> nat = ratiosToC(nativeRun, c);
        Map<String, double[]> overFfm = ratiosToC(nativeRun, "raw-ffm");
        Map<String, double[]> overFfmHeap = ratiosToC(nativeRun, "raw-ffm-heap");
        Map<String, double[]> jni = ratiosToC(jniRun, c);
        Map<String, double[]> natTimes = times(nativeRun, "jpar-native");
        Map<String, double[]> jniTimes = times(jniRun, "jpar-openmpi");
        for (Map.Entry<String, double[]> e : natTimes.entrySet()) {
            double[] j = jniTimes.get(e.getKey());
            if (!nat.containsKey(e.getKey()) && j != null) {
                System.out.println(String.format(Locale.ROOT, "ratio payload=%s native/jni best=%.2f median=%.2f "
                        + "(separate runs)", e.getKey(), e.getValue()[0] / j[0], e.getValue()[1] / j[1]));
            }
        }
        for (Map.Entry<String, double[]> e : nat.entrySet()) {
            double[] n = e.getValue();
            StringBuilder sb = new StringBuilder("ratio payload=" + e.getKey());
            sb.append(String.format(Locale.ROOT, " native/C best=%.2f median=%.2f paired=%.2f", n[0], n[1], n[2]));
            double[] f = overFfm.get(e.getKey());
            if (f != null) { // jpar over FFM alone, and FFM alone over C: what jpar adds, what the downcalls cost
                sb.append(String.format(Locale.ROOT, " native/raw-ffm best=%.2f median=%.2f paired=%.2f"
                        + " raw-ffm/C best=%.2f median=%.2f paired=%.2f", f[0], f[1], f[2], n[0] / f[0], n[1] / f[1],
                        n[2] / f[2]));
            }
            double[] h = overFfmHeap.get(e.getKey());
            if (h != null) { // jpar over FFM alone with the same Java arrays: what jpar adds beyond the copies
                sb.append(String.format(Locale.ROOT, " native/raw-ffm-heap best=%.2f median=%.2f paired=%.2f", h[0],
                        h[1], h[2]));
            }
            double[] j = jni.get(e.getKey());
            if (j != null) {
                sb.append(String.format(Locale.ROOT, " jni/C best=%.2f median=%.2f paired=%.2f", j[0], j[1], j[2]));
                sb.append(String.format(Locale.ROOT, " native/jni best=%.2f median=%.2f paired=%.2f", n[0] / j[0],
                        n[1] / j[1], n[2] / j[2]));
            }
            System.out.println(sb);
        }
    }

    /** @return per payload, {@code who}'s best and median batch times */
    private static Map<String, double[]> times(List<String> lines, String who) {
        Map<String, double[]> byPayload = new LinkedHashMap<>();
        for (String l : lines) {
            Matcher m = LINE.matcher(l);
            Matcher best = BEST.matcher(l);
            Matcher median = MEDIAN.matcher(l);
            if (m.matches() && m.group(1).equals(who) && best.find() && median.find()) {
                byPayload.put(m.group(2), new double[] {Double.parseDouble(best.group(1)),
                        Double.parseDouble(median.group(1))});
            }
        }
        return byPayload;
    }

    /** @return per payload, jpar's ratios to C (best, median, paired) from the C lines among {@code lines} */
    private static Map<String, double[]> ratiosToC(List<String> lines, String c) {
        Map<String, double[]> byPayload = new LinkedHashMap<>();
        for (String l : lines) {
            Matcher m = LINE.matcher(l);
            Matcher r = RATIOS.matcher(l);
            if (m.matches() && m.group(1).equals(c) && r.find()) {
                byPayload.put(m.group(2), new double[] {Double.parseDouble(r.group(1)), Double.parseDouble(r.group(2)),
                        Double.parseDouble(r.group(3))});
            }
        }
        return byPayload;
    }
}
