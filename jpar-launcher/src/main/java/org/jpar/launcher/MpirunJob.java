package org.jpar.launcher;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code mpirun} job of {@code jpar run --engine openmpi}, supervised so that nothing of it outlives the launcher
 * and nothing waits forever.
 *
 * <p>The chain is {@code jpar} (this JVM) &rarr; {@code setsid bash -c SUPERVISOR} &rarr; {@code mpirun} &rarr; the
 * ranks (each rank's JVM carries {@code -Djpar.job=MARKER}, and so does mpirun's command line):
 * <ul>
 *   <li>The supervisor runs in its own session, so a Ctrl-C at the terminal reaches only this JVM, which stops the
 *       job with exactly one signal to mpirun. Two signals make Open MPI 4.1's mpirun exit at once, leaving its
 *       shared-memory segments ({@code /dev/shm/vader_segment.*}) behind; one lets it clean up.</li>
 *   <li>To stop the job, the supervisor sends mpirun one SIGTERM, waits the grace period, then SIGKILLs every
 *       process with the job's marker and removes the job's vader segments. It does so when this JVM asks (SIGTERM
 *       to the supervisor) and when this JVM dies, even by {@code kill -9} (the supervisor polls its parent).</li>
 *   <li>This JVM asks for it on SIGINT/SIGTERM/SIGHUP (a shutdown hook that waits for the job to end), and when
 *       the job is known to have failed but mpirun does not end within the grace period (Open MPI 4.1.4's mpirun
 *       sometimes hangs after {@code MPI_Abort}, ignoring SIGTERM): a rank reported its failure, or every rank has
 *       ended.</li>
 *   <li>mpirun's standard error passes through a filter: after a rank's {@code jpar: rank R of N failed} report,
 *       Open MPI's own {@code show_help} boxes and {@code ORTE_ERROR_LOG} lines about the abort are dropped, so
 *       the user reads jpar's one message. Nothing is dropped before such a report.</li>
 * </ul>
 */
final class MpirunJob {
    /** System property every rank's JVM gets, with the job's marker as value. */
    static final String MARKER_PROPERTY = "jpar.job";

    /**
     * The supervisor: {@code bash -c SUPERVISOR jpar-supervisor GRACE MARKER COMMAND...}. Its exit code is
     * mpirun's, or 137 when it had to stop the job.
     */
    static final String SUPERVISOR = """
            grace=$1 marker=$2; shift 2
            launcher=$PPID
            stop() {
              trap '' TERM INT HUP
              kill -TERM "$child" 2>/dev/null
              for ((i = 0; i < grace * 10; i++)); do
                kill -0 "$child" 2>/dev/null || break
                sleep 0.1
              done
              local segs=() pids=() d s
              for d in /proc/[0-9]*; do
                [[ ${d#/proc/} != "$$" ]] && grep -qsF -- "$marker" "$d/cmdline" || continue
                pids+=("${d#/proc/}")
                while read -r s; do segs+=("$s"); done < <(grep -os '/dev/shm/vader_segment[^ ]*' "$d/maps")
              done
              ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
              for s in "${segs[@]}"; do rm -f -- "${s%.*}".*; done
              exit 137
            }
            trap stop TERM INT HUP
            "$@" <&0 &
            child=$!
            launcher_alive() {  # our parent is still the launcher (after its death we are someone else's child)
              if [[ -r /proc/$$/stat ]]; then
                read -r _ _ _ ppid _ < /proc/$$/stat
                [[ $ppid == "$launcher" ]]
              else
                kill -0 "$launcher" 2>/dev/null
              fi
            }
            while kill -0 "$child" 2>/dev/null; do
              launcher_alive || stop
              sleep 0.2
            done
            wait "$child"
            """;

    /** The start of a rank's own failure report (see {@code OpenMpiEngine}). */
    private static final Pattern REPORT = Pattern.compile("jpar: rank \\d+ of \\d+ (failed|called System\\.exit"
            + "|called abort\\(-?\\d+\\): the job was stopped \\(exit code (\\d+)\\)).*");
    /** The exit status a rank's {@code abort(code)} asked for (its report names it), or -1. */
    private volatile int abortStatus = -1;
    /** The frame of Open MPI's help messages: a line of 74 dashes. */
    private static final String HELP_FRAME = "-".repeat(74);
    /** Open MPI's line about a rank a signal ended (the only place that names it): rank, node, signal, name. */
    static final Pattern KILLED = Pattern.compile(
            "process rank (\\d+) with PID \\d+ on node (\\S+) exited on signal (\\d+) \\(([^)]+)\\)");
    /** MPICH's line with every rank's wait status ({@code -print-all-exitcodes}). */
    private static final Pattern EXIT_CODES = Pattern.compile("\\[mpiexec@[^\\]]*\\] Exit codes: (.*)");
    /** The ranks' wait statuses from {@link #EXIT_CODES}, by rank, or null. */
    private volatile int[] exitStatuses;
    /** What {@link #KILLED} said, once. */
    private volatile String killedRank;

    /** {@code [host:pid] [[job,0],0] ORTE_ERROR_LOG: ... in file .../show_help.c at line N} */
    private static final Pattern ORTE_LOG = Pattern.compile("\\[[^\\]]*\\] \\[\\[\\d+,\\d+\\],\\d+\\] ORTE_ERROR_LOG: "
            + ".* in file \\S*show_help\\.c at line \\d+");
    private static final Pattern SEGMENT = Pattern.compile("/dev/shm/vader_segment\\.\\S+");
    /** mpirun's {@code --tag-output} tag: {@code [JOB,RANK]<stdout>:} (or stderr, stddiag). */
    private static final Pattern TAG = Pattern.compile("\\[\\d+,(\\d+)\\]<std[a-z]+>:");

    /** MPICH's line after a rank's {@code MPI_Abort}: {@code Abort(1) on node 2 (rank 2 in comm 0): application ...}. */
    private static final Pattern MPICH_ABORT = Pattern.compile("Abort\\(-?\\d+\\) on node \\S+ \\(rank \\d+ in comm \\d+\\): "
            + "application called MPI_Abort.*");
    /**
     * What a native-engine rank launched by jpar prints on standard error once {@code MPI_Finalize} returned (the
     * launcher drops the line): MPICH's {@code mpiexec} exits 0 even when a rank ended without finalizing.
     */
    static final String FINALIZED = org.jpar.engine.nativempi.NativeEngine.FINALIZED;

    private final String marker;
    private final int graceSeconds;
    /** Ranks that must report {@link #FINALIZED} for a job that mpiexec says succeeded, or 0 not to check. */
    private final int expectFinalized;
    private final Set<Integer> finalized = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** PID to rank of the job's processes (MPICH's {@code PMI_RANK}), to name a rank MPICH names by PID. */
    private final Map<Long, String> pidRanks = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean inMpichBox;
    private final List<String> mpichBox = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Long firstGone;
    private volatile Thread watcher;
    /** The MPI launcher's name for messages: {@code mpirun}, {@code mpiexec.mpich}. */
    private String launcherName = "mpirun";
    private volatile String firstGoneRank;
    /** How it ended, when Linux still had its status ("killed by signal 9 (Killed)"), else null. */
    private volatile String firstGoneHow;
    private final Set<String> segments = new TreeSet<>();
    private volatile long failureReportedNanos;
    private volatile boolean stopping;
    private volatile String stopReason;

    MpirunJob(String marker, int graceSeconds) {
        this(marker, graceSeconds, 0);
    }

    /** @param expectFinalized ranks that must report {@link #FINALIZED} (MPICH), or 0 */
    MpirunJob(String marker, int graceSeconds, int expectFinalized) {
        this.marker = marker;
        this.graceSeconds = graceSeconds;
        this.expectFinalized = expectFinalized;
    }

    private HangMonitor hang;
    private boolean hangAbort;
    /** The order in which the ranks ended, from their connections (MPICH on this machine), or null. */
    private RankExits exits;
    /** PID of the rank jpar named as the one that ended first, or 0. */
    private volatile long namedFirstPid;
    /**
     * UCX's reports of a fatal error in a rank ({@code [host:pid:0:tid] cma_ep.c:81 process_vm_readv(...) returned -1:
     * No such process}, and a backtrace when {@code UCX_HANDLE_ERRORS} asks for one), each with the PID that wrote
     * it: held back until jpar knows whether they only echo the end of another rank it names.
     */
    private final List<String[]> ucxHeld = java.util.Collections.synchronizedList(new ArrayList<>());
    /**
     * Which process found which other gone, by PID, from UCX's {@code process_vm_readv(pid=P ...) returned -1: No such
     * process} (the shared-memory copy of a large message from or to a process that no longer exists).
     */
    private final Map<String, String> vanishedPeers = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern VANISHED_PEER = Pattern.compile("process_vm_\\w+\\(pid=(\\d+).*No such process.*");
    /** The start of UCX's report of a fatal error: {@code [host:pid:thread:tid]  file.c:line  message}. */
    private static final Pattern UCX_FATAL = Pattern.compile("\\[[^:\\]]+:(\\d+) *:\\d+:\\d+\\] +\\S+\\.c:\\d+ .*");

    /** Has the order in which the ranks ended told by {@code exits} (see {@link RankExits}). @return this */
    MpirunJob exits(RankExits exits) {
        this.exits = exits;
        return this;
    }

    /**
     * Reports a hang ({@link HangMonitor}) from the ranks' state lines, and with {@code abort} stops the job (exit
     * code 1). @return this
     */
    MpirunJob watchHangs(HangMonitor monitor, boolean abort) {
        this.hang = monitor;
        this.hangAbort = abort;
        return this;
    }

    private void checkHang(Process p, long now) {
        List<String> report = hang.check(now);
        if (report == null) {
            return;
        }
        System.out.flush();
        for (String l : report) {
            System.err.println("jpar: " + l);
        }
        if (!hangAbort) {
            System.err.println("jpar: the job goes on (jpar run --hang-abort stops a hanging job with exit code 1; "
                    + "Ctrl-C stops it now)");
        }
        System.err.flush();
        if (hangAbort) {
            stop(p, "it hung: no rank made progress for the --hang-timeout; jpar ended " + launcherName + " and every "
                    + "rank");
        }
    }

    /** Runs {@code mpirun} (the command) to its end. @return the launcher's exit code */
    int run(List<String> mpirunCommand) {
        launcherName = Path.of(mpirunCommand.get(0)).getFileName().toString();
        List<String> cmd = new ArrayList<>();
        Path setsid = onPath("setsid");
        if (setsid != null) {
            cmd.add(setsid.toString());
        }
        cmd.addAll(List.of("bash", "-c", SUPERVISOR, "jpar-supervisor", Integer.toString(graceSeconds), marker));
        cmd.addAll(mpirunCommand);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE).redirectInput(ProcessBuilder.Redirect.INHERIT);
        // every chunk of a rank's output tagged [job,rank]<stdout>: so that its lines can be put back together:
        // mpirun forwards what it reads from a rank's pipe in pieces of up to 4 KiB, cutting lines under load
        pb.environment().put("OMPI_MCA_orte_tag_output", "1");
        // Open MPI 4.1 loses the MPI_ABORT explanation ("ORTE_ERROR_LOG: Data unpack would read past end of
        // buffer") when help messages are aggregated; printing them where they happen keeps it
        pb.environment().putIfAbsent("OMPI_MCA_orte_base_help_aggregate", "0");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UsageException("cannot start " + mpirunCommand.get(0) + ": " + e.getMessage());
        }
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.ISO_8859_1);
        int[] blanks = {0}; // MPICH: empty lines held until the next line shows whether its box starts there
        Thread output = daemon("jpar-mpirun-stdout", () -> {
            untag(p.getInputStream(), line -> {
                if (expectFinalized > 0 && exitCodes(line)) {
                    return;
                }
                if (expectFinalized > 0 && !inMpichBox && line.isEmpty()) {
                    blanks[0]++;
                    return;
                }
                if (mpichBox(line)) {
                    blanks[0] = 0; // the box's own first line: held back with it
                    return;
                }
                for (; blanks[0] > 0; blanks[0]--) {
                    stdout.println();
                }
                stdout.println(line);
            });
            for (; blanks[0] > 0; blanks[0]--) {
                stdout.println();
            }
        });
        Thread errors = daemon("jpar-mpirun-stderr", () -> filterErrors(p.getErrorStream()));
        Thread onSignal = new Thread(() -> stop(p, "the launcher was interrupted"), "jpar-stop-job");
        Runtime.getRuntime().addShutdownHook(onSignal);
        int code = supervise(p);
        try {
            Runtime.getRuntime().removeShutdownHook(onSignal);
        } catch (IllegalStateException e) {
            // the JVM is exiting already: the hook stops the job
        }
        try {
            // the pipes close when mpirun and its children are gone: normally at once, but a loaded machine may
            // leave a rank's last lines (its failure report) unread for a while, and they decide what jpar says
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            output.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            errors.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeSegments();
        boolean unfinished = expectFinalized > 0 && finalized.size() < expectFinalized;
        if (expectFinalized > 0 && (code != 0 || unfinished) && failureReportedNanos == 0 && killedRank == null) {
            nameFirstGone();
        }
        printUcxReports();
        if (killedRank == null) {
            mpichBox.forEach(stdout::println); // jpar could not name the rank: MPICH's own words
        }
        if (code == 0 && stopReason == null && finalized.size() >= expectFinalized) {
            return Main.OK;
        }
        if (code == 0 && stopReason == null && killedRank != null) {
            System.out.flush();
            System.err.println("jpar: " + killedRank + "; mpiexec reported success, but the job failed");
            System.err.flush();
            return Main.FAILED;
        }
        if (code == 0 && stopReason == null) {
            List<Integer> missing = new ArrayList<>();
            for (int r = 0; r < expectFinalized; r++) {
                if (!finalized.contains(r)) {
                    missing.add(r);
                }
            }
            System.out.flush();
            System.err.println("jpar: rank" + (missing.size() == 1 ? " " : "s ") + missing.toString()
                    .replaceAll("[\\[\\]]", "") + " of " + expectFinalized + " ended without finishing MPI "
                    + "(MPI_Finalize never ran: the JVM was halted or crashed), and mpiexec reported success; "
                    + "the job failed");
            System.err.flush();
            return Main.FAILED;
        }
        System.out.flush();
        if (abortStatus > 0) {
            return abortStatus; // the rank's one line said it all: abort(code) ends the job with the code's status
        }
        if (killedRank != null && failureReportedNanos == 0) {
            System.err.println("jpar: " + killedRank);
        }
        System.err.println("jpar: the job was stopped (" + (stopReason != null ? stopReason
                : launcherName + " exited with code " + code) + ")");
        System.err.flush();
        return Main.FAILED;
    }

    /** Waits for mpirun; stops the job when it is over but mpirun does not end. @return the supervisor's code */
    private int supervise(Process p) {
        long graceNanos = TimeUnit.SECONDS.toNanos(graceSeconds);
        boolean sawRanks = false;
        long ranksGoneNanos = 0;
        while (true) {
            try {
                if (p.waitFor(expectFinalized > 0 ? 50 : 250, TimeUnit.MILLISECONDS)) {
                    return p.exitValue();
                }
            } catch (InterruptedException e) {
                stop(p, "the launcher was interrupted");
                continue;
            }
            List<ProcessHandle> ranks = ranks(p);
            long now = System.nanoTime();
            if (hang != null && !stopping) {
                checkHang(p, now);
            }
            if (!ranks.isEmpty()) {
                sawRanks = true;
                ranksGoneNanos = 0;
                if (expectFinalized > 0) {
                    recordRanks(ranks);
                    noteGone(ranks);
                }
                if (segments.isEmpty()) {
                    recordSegments(ranks);
                }
            } else if (sawRanks && ranksGoneNanos == 0) {
                ranksGoneNanos = now;
            }
            long reported = failureReportedNanos;
            if (reported != 0 && now - reported > graceNanos) {
                stop(p, "a rank failed and " + launcherName + " did not end within " + graceSeconds + " s; jpar "
                        + "ended it and every rank");
            } else if (ranksGoneNanos != 0 && now - ranksGoneNanos > graceNanos) {
                stop(p, "every rank had ended but mpirun did not end within " + graceSeconds + " s; jpar ended it");
            }
        }
    }

    /** @return the processes of the job below mpirun (the ranks; on a cluster also the daemons' launchers) */
    private static List<ProcessHandle> ranks(Process supervisor) {
        List<ProcessHandle> below = new ArrayList<>();
        supervisor.children().forEach(mpirun -> mpirun.descendants().forEach(below::add));
        return below;
    }

    /**
     * Notes the ranks' wait statuses from MPICH's {@code [mpiexec@HOST] Exit codes: [HOST] 0,9,768} (what
     * {@code -print-all-exitcodes} adds at the end: per machine, its ranks' statuses in rank order; jpar's, not the
     * user's, so never shown). @return true if the line was that
     */
    private boolean exitCodes(String line) {
        Matcher m = EXIT_CODES.matcher(line);
        if (!m.matches()) {
            return false;
        }
        String[] hosts = m.group(1).trim().split("\\s*\\[[^\\]]*\\]\\s*");
        List<String> groups = new ArrayList<>();
        for (String h : hosts) {
            if (!h.isBlank()) {
                groups.add(h);
            }
        }
        if (groups.size() == 1) { // one machine: the ranks in order (with several, jpar cannot tell which is which)
            String[] codes = groups.get(0).split(",");
            if (codes.length == expectFinalized) {
                try {
                    int[] statuses = new int[codes.length];
                    for (int i = 0; i < codes.length; i++) {
                        statuses[i] = Integer.parseInt(codes[i].trim());
                    }
                    exitStatuses = statuses;
                } catch (NumberFormatException e) {
                    // not as MPICH 4.0 writes it: jpar does without
                }
            }
        }
        return true;
    }

    /**
     * Holds back MPICH's box about a rank that ended badly (on standard output; printed at the end only if jpar
     * cannot name the rank itself). @return true if the line belongs to the box
     */
    private boolean mpichBox(String line) {
        if (expectFinalized == 0 || (!inMpichBox && !line.matches("={40,}"))) {
            return false;
        }
        if (!inMpichBox) {
            mpichBox.add(""); // the empty line before it (held back by the caller)
        }
        inMpichBox = true;
        mpichBox.add(line);
        if (line.startsWith("Please see the FAQ page")) {
            inMpichBox = false;
        }
        return true;
    }

    /**
     * Once every rank's PID is known, watches them closely (every few ms) in a thread of its own, to tell which rank
     * went first: MPICH's launcher kills the others right after, and its own message names another process.
     */
    private void noteGone(List<ProcessHandle> alive) {
        if (watcher != null || pidRanks.size() < expectFinalized) {
            return;
        }
        List<ProcessHandle> watched = new ArrayList<>();
        for (ProcessHandle h : alive) {
            if (pidRanks.containsKey(h.pid())) {
                watched.add(h);
            }
        }
        watcher = daemon("jpar-rank-watcher", () -> {
            while (firstGone == null && !watched.isEmpty()) {
                List<String> gone = new ArrayList<>();
                List<String> hows = new ArrayList<>();
                List<String> notKilled = new ArrayList<>();
                long pid = 0;
                for (ProcessHandle h : watched) {
                    int status = endStatus(h);
                    if (status != RUNNING) {
                        String rank = pidRanks.get(h.pid());
                        if (!finalized.contains(Integer.parseInt(rank))) {
                            gone.add(rank);
                            pid = h.pid();
                            int signal = status == UNKNOWN ? 0 : status & 0x7f;
                            hows.add(status == UNKNOWN ? null : describe(status));
                            if (status != UNKNOWN && signal != 9 && signal != 15) {
                                notKilled.add(rank); // not how MPICH stops the others
                            }
                        }
                    }
                }
                watched.removeIf(h -> endStatus(h) != RUNNING);
                if (!gone.isEmpty()) {
                    // several gone at one look: the one that was not killed (MPICH kills the others) if it is alone,
                    // else none is named (never a wrong one)
                    String rank = gone.size() == 1 ? gone.get(0) : notKilled.size() == 1 ? notKilled.get(0) : null;
                    firstGoneRank = rank;
                    firstGoneHow = rank == null ? null : hows.get(gone.indexOf(rank));
                    firstGone = pid;
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static final int RUNNING = -1;
    static final int UNKNOWN = -2;

    /** @return a wait status in words: "killed by signal 9 (Killed)", "exited with code 1" */
    static String describe(int status) {
        int signal = status & 0x7f;
        return signal != 0 ? "killed by signal " + signal + " (" + signalName(signal) + ")"
                : "exited with code " + ((status >> 8) & 0xff);
    }

    /**
     * @return {@link #RUNNING}; or, for a process that ended, its wait status when Linux still has it (a zombie its
     *         parent, MPICH's proxy, has not reaped: {@code /proc/PID/stat}'s exit_code), else {@link #UNKNOWN}. A
     *         zombie counts as ended: MPICH's proxy reaps its ranks in its own order, after killing the others
     */
    private static int endStatus(ProcessHandle h) {
        int status = endStatus(h.pid());
        return status == UNKNOWN && h.isAlive() ? RUNNING : status;
    }

    /** @return as {@link #endStatus(ProcessHandle)}, for a process known by its PID */
    static int endStatus(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (!f[0].equals("Z") && !f[0].equals("X")) {
                return RUNNING;
            }
            return f.length > 49 ? Integer.parseInt(f[49].trim()) : UNKNOWN;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    private static String signalName(int signal) {
        switch (signal) {
            case 6: return "Aborted";
            case 9: return "Killed";
            case 11: return "Segmentation fault";
            case 15: return "Terminated";
            default: return "signal " + signal;
        }
    }

    /**
     * Names the rank that ended an MPICH job first, without MPI_Finalize: MPICH's launcher says neither which rank
     * (its box names some PID, often of a rank it killed itself) nor how the first one ended.
     */
    private void nameFirstGone() {
        if (stopReason != null) {
            return; // jpar stopped the job itself and says why
        }
        RankExits.Exit first = null;
        if (exits != null) {
            try {
                exits.await(2000); // every rank has ended; their connections may not all be read yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<RankExits.Exit> order = exits.unfinalized();
            first = order.isEmpty() ? null : order.get(0);
            // a rank whose UCX found the process of another gone ended because of that one, which ended first even
            // when its connection closed later (Linux closes a process's files only after freeing its memory, which
            // takes a JVM a while; the other found it gone as soon as its main thread had left)
            for (int hops = 0; first != null && hops < order.size(); hops++) {
                String peer = vanishedPeers.get(Long.toString(first.pid()));
                RankExits.Exit cause = null;
                for (RankExits.Exit e : order) {
                    if (peer != null && e != first && Long.toString(e.pid()).equals(peer)) {
                        cause = e;
                    }
                }
                if (cause == null) {
                    break;
                }
                first = cause;
            }
        }
        if (first != null) {
            namedFirstPid = first.pid();
            int[] statuses = exitStatuses;
            // MPICH gave 0 for the killed rank in 2 of 20 runs where the receiver ended first (seen): 0 says nothing
            String how = first.how() != null ? first.how() : statuses != null && first.rank() < statuses.length
                    && statuses[first.rank()] != 0 ? describe(statuses[first.rank()])
                    : "killed by a signal, halted or crashed";
            killedRank = "rank " + first.rank() + " ended first, without MPI_Finalize (" + how + "), and MPICH "
                    + "stopped the other ranks";
            return;
        }
        if (firstGone == null) {
            return; // nobody ended first
        }
        killedRank = (firstGoneRank != null ? "rank " + firstGoneRank + " ended first" : "a rank ended (jpar could not "
                + "tell which: MPICH stopped the others at once)") + ", without MPI_Finalize ("
                + (firstGoneHow != null ? firstGoneHow : "killed by a signal, halted or crashed") + "), and MPICH "
                + "stopped the other ranks";
    }

    /**
     * Prints UCX's reports held back, except those a rank wrote about another that jpar named as ended first (its
     * {@code process_vm_readv} found the other process gone) and those after a rank's own failure report.
     */
    private void printUcxReports() {
        synchronized (ucxHeld) {
            if (ucxHeld.isEmpty()) {
                return;
            }
            System.out.flush();
            for (String[] l : ucxHeld) {
                boolean echo = failureReportedNanos != 0
                        || namedFirstPid != 0 && !l[0].equals(Long.toString(namedFirstPid));
                if (!echo) {
                    System.err.println(l[1]);
                }
            }
            System.err.flush();
        }
    }

    /** Notes which PID is which rank (MPICH's {@code PMI_RANK} in the process's environment). */
    private void recordRanks(List<ProcessHandle> ranks) {
        for (ProcessHandle r : ranks) {
            if (pidRanks.containsKey(r.pid())) {
                continue;
            }
            try {
                for (String v : Files.readString(Path.of("/proc", Long.toString(r.pid()), "environ")).split("\0")) {
                    if (v.startsWith("PMI_RANK=")) {
                        pidRanks.put(r.pid(), v.substring("PMI_RANK=".length()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone, or not Linux
            }
        }
    }

    /** Notes the vader segments the ranks map, to remove them if mpirun cannot. */
    private void recordSegments(List<ProcessHandle> ranks) {
        for (ProcessHandle r : ranks) {
            try {
                Matcher m = SEGMENT.matcher(Files.readString(Path.of("/proc", Long.toString(r.pid()), "maps")));
                while (m.find()) {
                    segments.add(m.group());
                }
            } catch (IOException | RuntimeException e) {
                // gone, or not Linux: nothing to note
            }
        }
    }

    /**
     * Removes the job's vader segments that are still there (mpirun removes them when it ends normally): every
     * {@code vader_segment.HOST.X.JOBID.*} of the job's id, one per local rank.
     */
    private void removeSegments() {
        Set<String> jobs = new TreeSet<>();
        for (String s : segments) {
            jobs.add(Path.of(s).getFileName().toString().replaceFirst("\\.[^.]*$", "."));
        }
        if (jobs.isEmpty()) {
            return;
        }
        try (var files = Files.list(Path.of("/dev/shm"))) {
            files.filter(f -> jobs.stream().anyMatch(j -> f.getFileName().toString().startsWith(j))).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // gone meanwhile, or not ours to remove
                }
            });
        } catch (IOException | RuntimeException e) {
            // no /dev/shm: nothing to remove
        }
    }

    /**
     * Stops the job once: the supervisor sends mpirun one SIGTERM, waits the grace period, then kills everything of
     * the job; waits for that (a little longer than the grace period), then kills the supervisor too.
     */
    private void stop(Process p, String why) {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            if (stopReason == null) {
                stopReason = why;
            }
        }
        if (!p.isAlive()) {
            return;
        }
        p.destroy(); // SIGTERM to the supervisor, which stops the job
        try {
            if (!p.waitFor(graceSeconds + 5L, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        removeSegments();
    }

    /**
     * Copies mpirun's standard error to ours, without Open MPI's own messages about an abort jpar reported: its
     * {@code MPI_ABORT was invoked} box and the {@code ORTE_ERROR_LOG} lines of its help system. They may come
     * before or after the rank's report (they travel another way through mpirun), so they are held back until the
     * report comes (then dropped) or mpirun ends without one (then printed). After a report, every help box is
     * dropped.
     */
    private void filterErrors(InputStream in) {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.ISO_8859_1);
        List<String> held = new ArrayList<>();
        List<List<String>> box = new ArrayList<>(1);
        String[] ucxPid = new String[1]; // the PID of UCX's report whose backtrace may follow, else null
        boolean[] inBacktrace = new boolean[1];
        untag(in, line -> {
            if (hang != null && hang.accept(line, System.nanoTime())) {
                return; // a rank's state for the hang report, not for the user
            }
            if (expectFinalized > 0) {
                Matcher ucx = UCX_FATAL.matcher(line);
                if (ucx.matches()) {
                    Matcher vanished = VANISHED_PEER.matcher(line);
                    if (vanished.find()) {
                        vanishedPeers.putIfAbsent(ucx.group(1), vanished.group(1));
                    }
                    ucxPid[0] = ucx.group(1);
                    inBacktrace[0] = false;
                    ucxHeld.add(new String[] {ucxPid[0], line});
                    return;
                }
                if (ucxPid[0] != null && (inBacktrace[0] || line.startsWith("==== backtrace"))) {
                    ucxHeld.add(new String[] {ucxPid[0], line});
                    inBacktrace[0] = !line.matches("={20,}");
                    if (!inBacktrace[0]) {
                        ucxPid[0] = null;
                    }
                    return;
                }
                ucxPid[0] = null;
            }
            boolean reported = failureReportedNanos != 0;
            Matcher killed = KILLED.matcher(line);
            if (killed.find() && killedRank == null) {
                killedRank = "rank " + killed.group(1) + " was killed by signal " + killed.group(3) + " ("
                        + killed.group(4) + ") on node " + killed.group(2);
            }
            if (!box.isEmpty()) {
                List<String> b = box.get(0);
                b.add(line);
                if (line.equals(HELP_FRAME)) {
                    if (reported || b.stream().anyMatch(l -> KILLED.matcher(l).find())) {
                        // dropped: jpar's report, or its own line naming the killed rank, says it
                    } else if (b.stream().anyMatch(l -> l.startsWith("MPI_ABORT was invoked")
                            || l.startsWith("Primary job") && l.contains("terminated normally"))) {
                        held.addAll(b); // printed at the end if neither a report nor a killed rank explains it
                    } else {
                        b.forEach(err::println);
                    }
                    box.clear();
                }
            } else if (line.equals(HELP_FRAME)) {
                box.add(new ArrayList<>(List.of(line)));
            } else if (ORTE_LOG.matcher(line).matches()) {
                if (!reported) {
                    held.add(line);
                }
            } else if (line.startsWith(FINALIZED)) {
                try {
                    finalized.add(Integer.parseInt(line.substring(FINALIZED.length()).trim()));
                } catch (NumberFormatException e) {
                    err.println(line);
                }
            } else if (reported && MPICH_ABORT.matcher(line).matches()) {
                return; // MPICH's echo of the abort jpar reported
            } else {
                Matcher report = REPORT.matcher(line);
                if (!reported && report.matches()) {
                    failureReportedNanos = System.nanoTime();
                    held.clear();
                    if (report.group(2) != null) {
                        abortStatus = Integer.parseInt(report.group(2));
                    }
                }
                err.println(line);
            }
        });
        if (failureReportedNanos == 0) {
            if (!box.isEmpty()) {
                held.addAll(box.get(0));
            }
            if (killedRank == null) {
                held.forEach(err::println);
            }
        }
    }

    /**
     * Reads mpirun's tagged output ({@code [1,R]<stdout>:text}, a tag at the start of every piece it forwards) and
     * gives {@code sink} each rank's whole lines, untagged, in the rank's order. A piece that does not end its line
     * is followed on the same line by another tag: it waits for the rest of its rank's line. Untagged lines (mpirun's
     * own) pass as they are.
     */
    static void untag(InputStream in, Consumer<String> sink) {
        Map<String, StringBuilder> partial = new LinkedHashMap<>();
        try (BufferedInputStream r = new BufferedInputStream(in)) {
            String line;
            while ((line = readLine(r)) != null) {
                Matcher m = TAG.matcher(line);
                if (!m.find()) {
                    sink.accept(line);
                    continue;
                }
                if (m.start() > 0) {
                    sink.accept(line.substring(0, m.start()));
                }
                while (true) {
                    String rank = m.group(1);
                    int from = m.end();
                    boolean more = m.find();
                    String piece = line.substring(from, more ? m.start() : line.length());
                    StringBuilder sb = partial.get(rank);
                    if (more) {
                        partial.computeIfAbsent(rank, k -> new StringBuilder()).append(piece);
                        continue;
                    }
                    if (sb != null) {
                        partial.remove(rank);
                        piece = sb.append(piece).toString();
                    }
                    sink.accept(piece);
                    break;
                }
            }
        } catch (IOException e) {
            // mpirun is gone
        }
        partial.values().forEach(sb -> sink.accept(sb.toString()));
    }

    /** @return the next line up to {@code \\n} (a {@code \\r} stays in it), in ISO-8859-1; null at the end */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
