package org.jpar.launcher;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jpar.engine.mpj.MpjEngine;
import org.jpar.engine.mpj.MpjInstallation;
import org.jpar.engine.mpj.NiodevServer;
import org.jpar.engine.mpj.RankMain;
import org.jpar.internal.Settings;

/**
 * A job on MPJ Express's niodev device: one JVM per rank, on this machine or on the hosts of a hostfile (started
 * through a remote shell, {@code ssh} by default), with jpar's launcher as MPJ's rendezvous server and as the job's
 * supervisor ({@link NiodevServer}). The job ends with exit code 0 when every rank ended normally; when a rank fails
 * or dies, every other rank is stopped at once, the rank is named, and the exit code is 1. Nothing of the job is left
 * running: a rank whose launcher goes away (killed included) halts itself.
 *
 * <p>Settings (system properties of the launcher, e.g. in {@code JPAR_JAVA_OPTS}, or environment variables):
 * {@code jpar.mpj.rsh} / {@code JPAR_MPJ_RSH}, the remote shell command for other hosts (default
 * {@code ssh -o BatchMode=yes}; it is given the host and then the command); {@code jpar.mpj.server} /
 * {@code JPAR_MPJ_SERVER_HOST}, the address ranks reach the launcher at (default: 127.0.0.1 without a hostfile, else
 * this host's address); {@code jpar.mpj.startSeconds}, how long the ranks may take to start (default 60).
 */
final class NiodevJob {
    static final int MAX_RANKS_PER_SLOT = 16;

    private final MpjInstallation installation;
    private final Map<String, String> env;

    NiodevJob(MpjInstallation installation, Map<String, String> env) {
        this.installation = installation;
        this.env = env;
    }

    /** A host of the job and how many of its ranks it runs. */
    private record Host(String name, int slots, boolean local) {
    }

    int run(Engine.Job job) {
        List<Host> hosts = hosts(job);
        int totalSlots = hosts.stream().mapToInt(Host::slots).sum();
        long limit = Math.max(64, (long) MAX_RANKS_PER_SLOT * totalSlots);
        if (job.ranks() > limit) {
            throw new UsageException("-np " + job.ranks() + " is out of range: niodev runs every rank as a JVM, and "
                    + "jpar starts at most " + limit + " (" + MAX_RANKS_PER_SLOT + " per slot, " + totalSlots
                    + " slot(s)); give a --hostfile with more slots, or use --device multicore");
        }
        List<String> classPath = classPath(job.classPath());
        ClassLoader check = MpjLauncher.loader(job.classPath());
        try {
            org.jpar.engine.threads.ThreadsEngine.checkMainClass(job.mainClass(), check);
        } catch (org.jpar.JparException e) {
            throw new UsageException(e.getMessage());
        }
        Host[] placement = place(hosts, job.ranks());
        boolean remote = false;
        for (Host h : placement) {
            remote |= !h.local();
        }
        String serverHost = serverHost(remote);
        Set<InetAddress> allowed = allowed(hosts, remote);
        String marker = UUID.randomUUID().toString();
        NiodevServer server;
        try {
            server = new NiodevServer(job.ranks(), allowed, startSeconds());
        } catch (IOException e) {
            throw new UsageException("cannot open the rendezvous listener for MPJ's niodev device: " + e.getMessage());
        }
        List<List<String>> commands = new ArrayList<>();
        List<Map<String, String>> envs = new ArrayList<>();
        String[] remoteShells = new String[job.ranks()];
        for (int r = 0; r < job.ranks(); r++) {
            Map<String, String> rankEnv = new LinkedHashMap<>();
            rankEnv.put(MpjEngine.RANK_ENV, Integer.toString(r));
            rankEnv.put(NiodevServer.SIZE_ENV, Integer.toString(job.ranks()));
            rankEnv.put(NiodevServer.SERVER_ENV, serverHost + ":" + server.port());
            rankEnv.put("MPJ_HOME", installation.home().toString());
            List<String> java = javaCommand(job, classPath, marker);
            commands.add(placement[r].local() ? java : remoteCommand(placement[r].name(), rankEnv, java));
            remoteShells[r] = placement[r].local() ? null : rsh();
            envs.add(rankEnv);
        }
        return server.run(commands, envs, hostNames(placement), remoteShells, graceSeconds(), hangWatch(job));
    }

    /**
     * @return the hang report's watch of the ranks' standard error when the job asks for it
     *         ({@link OpenMpiLauncher#HANG_OPTION}; the ranks get its JVM options from
     *         {@link OpenMpiLauncher#addDiagnostics}), else null
     */
    static NiodevServer.Watch hangWatch(Engine.Job job) {
        for (String o : job.engineOptions()) {
            if (o.startsWith(OpenMpiLauncher.HANG_OPTION)) {
                HangMonitor monitor = new HangMonitor(job.ranks(),
                        Double.parseDouble(o.substring(OpenMpiLauncher.HANG_OPTION.length())));
                boolean abort = job.engineOptions().contains(OpenMpiLauncher.HANG_ABORT_OPTION);
                return new NiodevServer.Watch() {
                    @Override
                    public boolean accept(String line, long nowNanos) {
                        return monitor.accept(line, nowNanos);
                    }

                    @Override
                    public boolean check(long nowNanos) {
                        List<String> report = monitor.check(nowNanos);
                        if (report == null) {
                            return false;
                        }
                        System.out.flush();
                        for (String l : report) {
                            System.err.println("jpar: " + l);
                        }
                        System.err.println(abort ? "jpar: stopping the job (--hang-abort)"
                                : "jpar: the job goes on (jpar run --hang-abort stops a hanging job with exit code 1; "
                                + "Ctrl-C stops it now)");
                        System.err.flush();
                        return abort;
                    }
                };
            }
        }
        return null;
    }

    private List<String> javaCommand(Engine.Job job, List<String> classPath, String marker) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(OpenMpiLauncher.QUIET_JVM_OPTIONS);
        String opts = env.get("JPAR_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        OpenMpiLauncher.addDiagnostics(cmd, job);
        cmd.add("-D" + MpirunJob.MARKER_PROPERTY + "=" + marker);
        cmd.add("-D" + MpjInstallation.HOME_PROPERTY + "=" + installation.home());
        cmd.add("-D" + MpjInstallation.LOG4J_PROPERTY + "=" + installation.log4j());
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        cmd.add(RankMain.class.getName());
        cmd.add(job.mainClass());
        cmd.addAll(job.args());
        return cmd;
    }

    /** {@code RSH HOST 'cd DIR && exec env K=V... java ...'}: the environment travels in the command (no secrets). */
    private List<String> remoteCommand(String host, Map<String, String> rankEnv, List<String> java) {
        List<String> cmd = new ArrayList<>(List.of(rsh().split("\\s+")));
        cmd.add(host);
        StringBuilder sh = new StringBuilder("cd ").append(quote(System.getProperty("user.dir"))).append(" && exec env");
        for (Map.Entry<String, String> e : rankEnv.entrySet()) {
            sh.append(' ').append(e.getKey()).append('=').append(quote(e.getValue()));
        }
        for (String a : java) {
            sh.append(' ').append(quote(a));
        }
        cmd.add(sh.toString());
        return cmd;
    }

    /** @return the remote shell command for other hosts ({@code jpar.mpj.rsh}, {@code JPAR_MPJ_RSH}, or ssh) */
    private String rsh() {
        return setting("jpar.mpj.rsh", "JPAR_MPJ_RSH", "ssh -o BatchMode=yes").trim();
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private String setting(String property, String envName, String fallback) {
        String p = System.getProperty(property);
        if (p != null && !p.isBlank()) {
            return p;
        }
        String e = env.get(envName);
        return e != null && !e.isBlank() ? e : fallback;
    }

    private static int startSeconds() {
        return Settings.MPJ_START_SECONDS.getInt(60);
    }

    private static int graceSeconds() {
        return Settings.GRACE_SECONDS.getInt(OpenMpiLauncher.DEFAULT_GRACE_SECONDS);
    }

    private static String[] hostNames(Host[] placement) {
        String[] names = new String[placement.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = placement[i].name();
        }
        return names;
    }

    /** Ranks fill each host's slots in hostfile order (as mpirun's default), then wrap around. */
    private static Host[] place(List<Host> hosts, int ranks) {
        Host[] placement = new Host[ranks];
        int r = 0;
        while (r < ranks) {
            for (Host h : hosts) {
                for (int s = 0; s < h.slots() && r < ranks; s++) {
                    placement[r++] = h;
                }
            }
        }
        return placement;
    }

    private List<Host> hosts(Engine.Job job) {
        if (job.hostfile() == null) {
            return List.of(new Host("localhost", Runtime.getRuntime().availableProcessors(), true));
        }
        Path hostfile = Path.of(job.hostfile()).toAbsolutePath().normalize();
        if (!Files.isRegularFile(hostfile)) {
            throw new UsageException("--hostfile " + job.hostfile() + (Files.exists(hostfile) ? " is not a regular "
                    + "file: give a file that lists one host per line, e.g. 'node1 slots=4' (see hostfile.example)"
                    : " does not exist"));
        }
        OpenMpiLauncher.slots(hostfile); // the same checks and messages as for Open MPI
        List<Host> hosts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(hostfile, StandardCharsets.UTF_8)) {
                String l = line.replaceFirst("#.*", "").trim();
                if (l.isEmpty()) {
                    continue;
                }
                String[] tokens = l.split("\\s+");
                int slots = 1;
                for (String t : tokens) {
                    if (t.matches("(slots|count|cpus?)=\\d+")) {
                        slots = Integer.parseInt(t.substring(t.indexOf('=') + 1));
                    }
                }
                hosts.add(new Host(tokens[0], slots, isLocal(tokens[0])));
            }
        } catch (IOException e) {
            throw new UsageException("--hostfile " + hostfile + " cannot be read: " + e);
        }
        return hosts;
    }

    /** @return true for this host's own names and addresses (its ranks start without a remote shell) */
    static boolean isLocal(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            InetAddress me = InetAddress.getLocalHost();
            if (host.equals(me.getHostName()) || host.equals(me.getCanonicalHostName())) {
                return true;
            }
            InetAddress a = InetAddress.getByName(host);
            return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    /** @return where ranks reach the launcher: loopback for a job on this machine only, else this host's address */
    private String serverHost(boolean remote) {
        String given = setting("jpar.mpj.server", "JPAR_MPJ_SERVER_HOST", null);
        if (given != null) {
            return given;
        }
        if (!remote) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            throw new UsageException("this host's name does not resolve (" + e.getMessage() + "), so the ranks on "
                    + "other hosts cannot reach the launcher: fix /etc/hosts or give the launcher's address with "
                    + "-Djpar.mpj.server=ADDRESS (JPAR_JAVA_OPTS) or JPAR_MPJ_SERVER_HOST");
        }
    }

    /**
     * @return the addresses the rendezvous listener accepts connections from: the job's hosts only (loopback alone for
     *         a job on this machine, whose ranks reach it there)
     */
    private static Set<InetAddress> allowed(List<Host> hosts, boolean remote) {
        Set<InetAddress> allowed = new HashSet<>();
        allowed.add(InetAddress.getLoopbackAddress());
        if (!remote) {
            return allowed;
        }
        for (Host h : hosts) {
            try {
                Collections.addAll(allowed, InetAddress.getAllByName(h.name()));
            } catch (UnknownHostException e) {
                throw new UsageException("host " + h.name() + " of the hostfile does not resolve: " + e.getMessage());
            }
            if (h.local()) {
                try {
                    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                        allowed.addAll(Collections.list(ni.getInetAddresses()));
                    }
                } catch (SocketException e) {
                    // loopback is enough for ranks on this host
                }
            }
        }
        return allowed;
    }

    private static List<String> classPath(String userClassPath) {
        Map<String, Boolean> entries = new LinkedHashMap<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.put(Path.of(e).toAbsolutePath().normalize().toString(), Boolean.TRUE);
            }
        }
        if (userClassPath != null) {
            for (String e : userClassPath.split(File.pathSeparator)) {
                if (e.isEmpty()) {
                    continue;
                }
                Path p = Path.of(e).toAbsolutePath().normalize();
                if (!Files.exists(p)) {
                    throw new UsageException("--class-path entry " + e + " does not exist");
                }
                entries.put(p.toString(), Boolean.TRUE);
            }
        }
        return new ArrayList<>(entries.keySet());
    }
}
