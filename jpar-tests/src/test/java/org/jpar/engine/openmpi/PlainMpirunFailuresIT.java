package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jpar.failures.FailureSuite;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;

/** {@link FailureSuite} on the Open MPI engine under plain {@code mpirun -np N java -cp jpar.jar MAIN}. */
class PlainMpirunFailuresIT extends FailureSuite {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    @Override
    protected Jpar.Result run(int ranks, String program, String... args) throws Exception {
        return runWithJvmOptions("", ranks, program, args);
    }

    @Override
    protected Jpar.Result runWithJvmOptions(String jvmOptions, int ranks, String program, String... args)
            throws Exception {
        String marker = "-Djpar.test.marker=" + UUID.randomUUID();
        List<String> cmd = new ArrayList<>(OpenMpiTests.mpirun(ranks));
        cmd.addAll(OpenMpiTests.java());
        cmd.add(marker);
        if (!jvmOptions.isEmpty()) {
            cmd.addAll(List.of(jvmOptions.split(" ")));
        }
        cmd.addAll(List.of("-cp", OpenMpiTests.jparJar() + ":" + Jpar.testClasses(), "org.jpar.programs." + program));
        cmd.addAll(List.of(args));
        Jpar.Result r = OpenMpiTests.exec(cmd, new HashMap<>(), TIMEOUT_SECONDS);
        assertThat(OpenMpiTests.leftovers(marker, 5000)).as(r.toString()).isEmpty();
        return r;
    }
}
