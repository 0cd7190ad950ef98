package org.jpar.engine.openmpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.jpar.job.HostileTasksMain;
import org.jpar.launcher.Jpar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job layer's hostile task exceptions on another rank, under {@code mpirun}: each fails its job, rank 1 serves on. */
class OpenMpiJobFailuresIT {
    @BeforeAll
    static void openMpi() {
        OpenMpiTests.requireOpenMpi();
    }

    @Test
    void hostileTaskExceptionsOnAnotherRankFailTheirJobsOnly() throws Exception {
        List<String> cmd = OpenMpiTests.mpirun(2);
        cmd.addAll(OpenMpiTests.java());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                HostileTasksMain.class.getName()));
        Jpar.Result r = OpenMpiTests.exec(cmd, Map.of(), 300);
        assertThat(r.exitCode()).as("%s%n%s", String.join(" ", cmd), r).isZero();
        assertThat(r.out()).as(r.toString()).contains("hostile tasks ok on 1 worker(s)");
    }
}
