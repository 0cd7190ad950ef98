package org.jpar.job;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.atomic.AtomicLong;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * The progress bar of a long run (me.tongfei progressbar), on the process's real standard error: it appears once jobs
 * have been running for {@link #SHOW_AFTER_MILLIS} without a break, counts the jobs of that busy period, and is closed
 * by the thread that completes the last of them, before that job's result is handed over (so that what the program
 * prints next starts on a line of its own). Off unless the JVM has a terminal ({@link System#console()}) and the
 * settings allow it.
 */
final class Progress implements AutoCloseable {
    static final long SHOW_AFTER_MILLIS = 1000;
    private static final long TICK_MILLIS = 200;
    private static final Progress OFF = new Progress(null);

    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Thread thread;
    private final Object lock = new Object();
    private ProgressBar bar;
    private long base;
    private long busySince = -1;
    private volatile boolean closed;

    private Progress(String name) {
        if (name == null) {
            thread = null;
            return;
        }
        thread = new Thread(() -> loop(name), "jpar-job-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** @return a progress bar for a server, or one that shows nothing when off or not on a terminal */
    static Progress start(boolean enabled, String kind) {
        return enabled && System.console() != null ? new Progress(kind) : OFF;
    }

    void submitted(long n) {
        if (thread != null) {
            submitted.addAndGet(n);
        }
    }

    /** Called before the jobs are completed: the last job of a busy period closes the bar first. */
    void completed(long n) {
        if (thread == null) {
            return;
        }
        if (completed.addAndGet(n) >= submitted.get()) {
            synchronized (lock) {
                update();
            }
        }
    }

    @Override
    public void close() {
        if (thread == null || closed) {
            return;
        }
        closed = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    private void loop(String kind) {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        try {
            while (!closed) {
                Thread.sleep(TICK_MILLIS);
                synchronized (lock) {
                    update();
                    if (bar == null && busySince >= 0 && System.nanoTime() - busySince >= SHOW_AFTER_MILLIS * 1_000_000) {
                        bar = new ProgressBarBuilder().setTaskName(kind + " jobs").setInitialMax(submitted.get() - base)
                                .setUpdateIntervalMillis((int) TICK_MILLIS)
                                .setConsumer(new ConsoleProgressBarConsumer(err)).build();
                        update();
                    }
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Under the lock: follows the counters; ends the busy period (and the bar) when every job is done. */
    private void update() {
        long total = submitted.get();
        long done = completed.get();
        if (bar != null) {
            bar.maxHint(total - base);
            bar.stepTo(Math.min(done, total) - base);
        }
        if (done >= total) {
            busySince = -1;
            if (bar != null) {
                bar.close();
                bar = null;
            }
        } else if (busySince < 0) {
            busySince = System.nanoTime();
            base = done;
        }
    }
}
