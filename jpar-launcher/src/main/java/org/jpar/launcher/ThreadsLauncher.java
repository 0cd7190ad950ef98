package org.jpar.launcher;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import org.jpar.JparException;
import org.jpar.engine.threads.ThreadsEngine;

/** Runs a job's ranks as threads of this JVM. */
final class ThreadsLauncher implements Engine {
    @Override
    public String name() {
        return ThreadsEngine.NAME;
    }

    @Override
    public int run(Job job) {
        if (job.hostfile() != null) {
            throw new UsageException("--hostfile needs an MPI engine (--engine openmpi); the threads engine runs "
                    + "every rank in this JVM");
        }
        if (job.ranks() > ThreadsEngine.MAX_RANKS) {
            throw new UsageException("-np " + job.ranks() + " is out of range: the threads engine runs at most "
                    + ThreadsEngine.MAX_RANKS + " ranks in one JVM; use fewer, or --engine openmpi with a --hostfile "
                    + "for more");
        }
        ClassLoader loader = loader(job.classPath());
        try {
            ThreadsEngine.virtualRanks();
            ThreadsEngine.checkMainClass(job.mainClass(), loader);
        } catch (JparException e) {
            throw new UsageException(e.getMessage());
        }
        return ThreadsEngine.launch(job.ranks(), job.mainClass(), job.args().toArray(new String[0]), loader);
    }

    private static ClassLoader loader(String classPath) {
        ClassLoader parent = ThreadsLauncher.class.getClassLoader();
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
