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
import org.jpar.bench.PingPong;
import org.jpar.engine.openmpi.OpenMpiInstallation;

/**
 * {@code jpar bench pingpong|allreduce --engine native [--mpi M]}: jpar on the native engine with, in the same ranks,
 * batch by batch in turn, the same operations in C (the MPI's own {@code mpicc} builds {@code mpibench.c} into a
 * shared library the ranks load: {@link org.jpar.engine.nativempi.CBaseline}); then, for the ping-pong under Open MPI,
 * jpar on the Java-bindings (JNI) engine in a second run; then the ratios to C (and to JNI) of the best batch and of
 * the median.
 */
final class NativeBench {
    private static final Pattern LINE = Pattern.compile("(\\S+) payload=(\\S+) .*");
    private static final Pattern MEDIAN = Pattern.compile(" (?:latency_us|median_us)=([0-9.]+)");
    private static final Pattern BEST = Pattern.compile(" best_us=([0-9.]+)");

    private NativeBench() {
    }

    /**
     * @param benchmark {@code pingpong} or {@code allreduce}
     * @return the launcher's exit code
     */
    static int run(String benchmark, List<String> options, double scale) throws IOException {
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
            int code = new NativeLauncher(env).run(new Engine.Job(2, main.getName(), args, null, null, options));
            if (code != 0) {
                return code;
            }
            if (pingpong && mpi.equals("openmpi")) {
                if (hasMpiJar()) {
                    env.put("JPAR_JAVA_OPTS", (opts + " -Djpar.bench.results=" + results).trim());
                    code = new OpenMpiLauncher(env).run(new Engine.Job(2, main.getName(),
                            List.of(Double.toString(scale), "no-baseline"), null, null, List.of()));
                    if (code != 0) {
                        return code;
                    }
                } else {
                    System.out.println("(no jpar-openmpi line: Open MPI's mpi.jar is not installed; "
                            + "mpirun-scripts/install-engines builds it)");
                }
            }
            summary(Files.readAllLines(results, StandardCharsets.UTF_8), "c-" + mpi);
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

    /** Prints, per payload, every run's ratio to C (and to the JNI engine) by best batch and by median. */
    private static void summary(List<String> lines, String c) {
        Map<String, Map<String, double[]>> byPayload = new LinkedHashMap<>();
        for (String l : lines) {
            Matcher m = LINE.matcher(l);
            Matcher median = MEDIAN.matcher(l);
            Matcher best = BEST.matcher(l);
            if (m.matches() && median.find() && best.find()) {
                byPayload.computeIfAbsent(m.group(2), k -> new LinkedHashMap<>()).put(m.group(1),
                        new double[] {Double.parseDouble(best.group(1)), Double.parseDouble(median.group(1))});
            }
        }
        for (Map.Entry<String, Map<String, double[]>> e : byPayload.entrySet()) {
            Map<String, double[]> runs = e.getValue();
            double[] base = runs.get(c);
            double[] jni = runs.get("jpar-openmpi");
            double[] nat = runs.get("jpar-native");
            StringBuilder sb = new StringBuilder("ratio payload=" + e.getKey());
            if (nat != null && base != null) {
                sb.append(String.format(Locale.ROOT, " native/C best=%.2f median=%.2f", nat[0] / base[0],
                        nat[1] / base[1]));
            }
            if (jni != null && base != null) {
                sb.append(String.format(Locale.ROOT, " jni/C best=%.2f median=%.2f", jni[0] / base[0],
                        jni[1] / base[1]));
            }
            if (nat != null && jni != null) {
                sb.append(String.format(Locale.ROOT, " native/jni best=%.2f median=%.2f", nat[0] / jni[0],
                        nat[1] / jni[1]));
            }
            System.out.println(sb);
        }
    }
}
