package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Use jpar in your project", as a new user follows it: the README's install command, then a separate Maven project
 * made only of the README's {@code pom.xml}, its {@code Hello} and its {@code @Ranks} test. The project must build,
 * run its test at every size the test names, and its program must run through the launcher.
 */
class ReadmeProjectIT {
    @TempDir
    Path project;

    @Test
    void aProjectWrittenFromTheReadmeBuildsAndPasses() throws Exception {
        String readme = Files.readString(Jpar.home().resolve("README.md"));
        String use = readme.substring(readme.indexOf("## Use jpar in your project"));
        String pom = block(use, "xml", "<project");
        String hello = block(readme.substring(readme.indexOf("## A first program")), "java", "import");
        String test = block(readme.substring(readme.indexOf("## Testing SPMD code in JUnit")), "java", "import");

        // the README's install command, limited to the modules the snippet names (offline: CI has them all)
        Jpar.Result install = Jpar.exec(List.of("mvn", "-B", "-o", "-q", "install", "-DskipTests", "-pl",
                "jpar-core,jpar-openmpi,jpar-jobs,jpar-junit", "-am", "-f", Jpar.home().resolve("pom.xml").toString()),
                Map.of("JAVA_HOME", System.getProperty("java.home")), 600);
        assertThat(install.exitCode()).as(install.toString()).isZero();

        Files.writeString(project.resolve("pom.xml"), pom);
        Files.createDirectories(project.resolve("src/main/java"));
        Files.createDirectories(project.resolve("src/test/java"));
        Files.writeString(project.resolve("src/main/java/Hello.java"), hello);
        Files.writeString(project.resolve("src/test/java/RingTest.java"), test);
        // online, as a user's first build is: the project takes Maven's default plugins (its resources plugin's
        // dependencies are in no local repository that only ever built jpar, whose plugins are all pinned)
        Jpar.Result build = Jpar.exec(List.of("mvn", "-B", "-q", "test", "-f",
                project.resolve("pom.xml").toString()), Map.of("JAVA_HOME", System.getProperty("java.home")), 600);
        assertThat(build.exitCode()).as(build.toString()).isZero();
        // the @Ranks test really ran, at 1, 2 and 4 ranks (Maven's default surefire would run none and pass)
        String report = Files.readString(project.resolve("target/surefire-reports/RingTest.txt"));
        assertThat(report).contains("Tests run: 3, Failures: 0, Errors: 0, Skipped: 0");

        Jpar.Result run = Jpar.run(120, "run", "-np", "3", "--class-path",
                project.resolve("target/classes").toString(), "Hello");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).hasSize(2)
                .anyMatch(l -> l.startsWith("Hello from rank 1 on ")).anyMatch(l -> l.startsWith("Hello from rank 2 on "));
    }

    /** @return the first fenced block of {@code lang} in {@code text} that starts with {@code start} */
    private static String block(String text, String lang, String start) {
        Matcher m = Pattern.compile("```" + lang + "\n(" + Pattern.quote(start) + ".*?)```", Pattern.DOTALL)
                .matcher(text);
        assertThat(m.find()).as("a ```%s block starting with %s", lang, start).isTrue();
        return m.group(1);
    }
}
