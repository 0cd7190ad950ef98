package org.jpar.engine.mpj;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.contract.ContractMain;
import org.jpar.launcher.Jpar;

/** Runs the core's contract as one job per size through {@code jpar run --engine mpj --device D}. */
final class MpjContract {
    private MpjContract() {
    }

    /** @return this JVM's class path (test classes, classes, dependencies), without entries that do not exist */
    static String testClassPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty() && new java.io.File(e).exists()) {
                entries.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    static void run(String device, int size, List<Method> methods) throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = MpjTests.jparRun(device, size);
        cmd.addAll(List.of("--class-path", testClassPath(), ContractMain.class.getName()));
        List<String> names = new ArrayList<>();
        methods.forEach(m -> names.add(m.getName()));
        cmd.addAll(names);
        Jpar.Result r = MpjTests.exec(cmd, Map.of("JPAR_JAVA_OPTS", marker), 900);
        assertThat(r.exitCode()).as("%s%n%s", String.join(" ", cmd), r).isZero();
        for (String name : names) {
            assertThat(r.out()).as(r.toString()).contains("contract ok " + name + " at " + size + " ranks");
        }
        assertThat(r.err()).as("nothing but the program's own output: " + r).isEmpty();
        assertThat(MpjTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
    }
}
