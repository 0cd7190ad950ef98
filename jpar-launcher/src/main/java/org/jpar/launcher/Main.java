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
        String number = notANumber(ex, args);
        String missing = number == null ? missingValue(ex, args) : null;
        return printUsageError(ex.getCommandLine(), number != null ? number : missing != null ? missing
                : ex.getMessage());
    }

    /**
     * @return for an option given last without its value, the option as typed and what it takes (picocli's own
     *         message names it by its longest name: "Missing required parameter for option '--np' (N)"); else null
     */
    static String missingValue(CommandLine.ParameterException ex, String[] args) {
        if (!(ex instanceof CommandLine.MissingParameterException m) || m.getMissing() == null
                || m.getMissing().size() != 1 || !(m.getMissing().get(0) instanceof CommandLine.Model.OptionSpec o)) {
            return null;
        }
        String typed = typedName(o, args);
        return typed + " needs a value (" + o.paramLabel() + ")" + (isRanks(o)
                ? ": the number of ranks, e.g. " + typed + " 4" : "");
    }

    /** @return true for {@code -np} (run's and bench's number of ranks) */
    private static boolean isRanks(CommandLine.Model.OptionSpec o) {
        return java.util.Arrays.asList(o.names()).contains("-np");
    }

    /** @return the name of {@code o} the user typed in {@code args} (its longest name if none) */
    private static String typedName(CommandLine.Model.OptionSpec o, String[] args) {
        String typed = o.longestName();
        for (String a : args) {
            for (String name : o.names()) {
                if (a.equals(name)) {
                    typed = name;
                }
            }
        }
        return typed;
    }

    /**
     * @return for a number option given something else, what was typed and what the option takes (picocli's own
     *         message names the option by its longest name and the Java type: "Invalid value for option '--np': 'abc'
     *         is not an int"); null for any other error
     */
    static String notANumber(CommandLine.ParameterException ex, String[] args) {
        if (!(ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o) || ex.getValue() == null
                || !(ex.getCause() instanceof CommandLine.TypeConversionException)) {
            return null;
        }
        Class<?> t = o.type();
        boolean whole = t == int.class || t == Integer.class || t == long.class || t == Long.class;
        if (!whole && t != double.class && t != Double.class) {
            return null;
        }
        String typed = typedName(o, args);
        boolean ranks = isRanks(o);
        if (whole && ex.getValue().matches("[-+]?[0-9]+")) {
            return typed + " " + ex.getValue() + " is out of range"
                    + (ranks ? ": give the number of ranks, e.g. " + typed + " 4" : "");
        }
        String m = typed + " " + ex.getValue() + " is not " + (whole ? "a whole number" : "a number");
        if (ranks) {
            return m + ": give the number of ranks, e.g. " + typed + " 4";
        }
        if ("SECONDS".equals(o.paramLabel())) {
            m += " (seconds)";
        }
        return o.defaultValue() == null ? m : m + ", e.g. " + typed + " " + o.defaultValue();
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
