package org.jpar.launcher;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jpar.JparException;
import org.jpar.engine.mpj.MpjEngine;
import org.jpar.engine.mpj.MpjInstallation;
import org.jpar.engine.mpj.Multicore;
import org.jpar.engine.threads.ThreadsEngine;

/**
 * Runs a job on MPJ Express: {@code --device multicore} (the default) runs every rank as a thread of this JVM, in
 * MPJ's multicore device; {@code --device niodev} starts one JVM per rank (on the hosts of {@code --hostfile}) and
 * serves MPJ's rendezvous itself ({@link NiodevJob}).
 */
final class MpjLauncher implements Engine {
    /** {@link Job#engineOptions()} entry: {@code device=multicore|niodev}. */
    static final String DEVICE_OPTION = "device=";
    /** {@link Job#engineOptions()} entry: {@code mpj-home=DIR}. */
    static final String HOME_OPTION = "mpj-home=";

    private final Map<String, String> env;

    MpjLauncher() {
        this(System.getenv());
    }

    MpjLauncher(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String name() {
        return MpjEngine.NAME;
    }

    @Override
    public int run(Job job) {
        String device = MpjEngine.MULTICORE;
        String home = null;
        for (String o : job.engineOptions()) {
            if (o.startsWith(DEVICE_OPTION)) {
                device = o.substring(DEVICE_OPTION.length());
            } else if (o.startsWith(HOME_OPTION)) {
                home = o.substring(HOME_OPTION.length());
            }
        }
        MpjInstallation installation;
        try {
            installation = MpjInstallation.locate(home, env);
        } catch (JparException e) {
            throw new UsageException(e.getMessage());
        }
        switch (device) {
            case MpjEngine.MULTICORE:
                return multicore(job, installation);
            case MpjEngine.NIODEV:
                return new NiodevJob(installation, env).run(job);
            default:
                throw new UsageException("--device " + device + " is not a device of MPJ Express that jpar runs: "
                        + "choose multicore (every rank a thread of one JVM) or niodev (one JVM per rank over TCP)");
        }
    }

    private static int multicore(Job job, MpjInstallation installation) {
        if (job.hostfile() != null) {
            throw new UsageException("--hostfile needs --device niodev: MPJ Express's multicore device runs every "
                    + "rank in this JVM");
        }
        if (job.ranks() > ThreadsEngine.MAX_RANKS) {
            throw new UsageException("-np " + job.ranks() + " is out of range: the multicore device runs at most "
                    + ThreadsEngine.MAX_RANKS + " ranks in one JVM");
        }
        ClassLoader loader = loader(job.classPath());
        try {
            ThreadsEngine.checkMainClass(job.mainClass(), loader);
        } catch (JparException e) {
            throw new UsageException(e.getMessage());
        }
        return Multicore.launch(installation, job.ranks(), job.mainClass(), job.args().toArray(new String[0]), loader);
    }

    static ClassLoader loader(String classPath) {
        ClassLoader parent = MpjLauncher.class.getClassLoader();
        if (classPath == null || classPath.isEmpty()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            File f = new File(entry);
            if (!f.exists()) {
                throw new UsageException("--class-path entry " + entry + " does not exist");
            }
            try {
                urls.add(f.toURI().toURL());
            } catch (MalformedURLException e) {
                throw new UsageException("--class-path entry " + entry + " is not a valid path: " + e.getMessage());
            }
        }
        return new URLClassLoader("jpar-user", urls.toArray(new URL[0]), parent);
    }
}
