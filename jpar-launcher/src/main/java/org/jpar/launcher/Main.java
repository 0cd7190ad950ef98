package org.jpar.launcher;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jpar}: runs SPMD programs on an engine, and the benchmarks. Exit codes: 0 success, 1 a rank failed,
 * 2 usage error.
 */
@Command(name = "jpar", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {RunCommand.class, TraceCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        description = "PyPar-style SPMD message passing for Java: runs one program as N ranks.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the job ended normally", "1:a rank failed (the job was stopped)",
            "2:usage error: a bad option, argument or main class"})
public final class Main implements Runnable {
    /** Exit code: success. */
    public static final int OK = 0;
    /** Exit code: a rank failed. */
    public static final int FAILED = 1;
    /** Exit code: bad usage. */
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** @param args the command line */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** @return the exit code of running {@code jpar args} */
    public static int execute(String... args) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.getSubcommands().get("run").setStopAtPositional(true);
        cmd.setParameterExceptionHandler(Main::usageError);
        cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof UsageException) {
                return printUsageError(line, ex.getMessage());
            }
            throw ex;
        });
        return cmd.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: run, trace or bench");
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        return printUsageError(ex.getCommandLine(), ex.getMessage());
    }

    static int printUsageError(CommandLine line, String message) {
        PrintWriter err = line.getErr();
        err.println("jpar: " + message);
        err.println("Try '" + line.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE;
    }

    /** Reads the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jpar " + (v == null ? "(development build)" : v)};
        }
    }
}
