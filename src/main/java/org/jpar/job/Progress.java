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
 * have been running for {@link #SHOW_AFTER_MILLIS} without a break, follows them, and goes when they are all done.
 * Off unless the JVM has a terminal ({@link System#console()}) and the settings allow it.
 */
final class Progress implements AutoCloseable {
    static final long SHOW_AFTER_MILLIS = 1000;
    private static final long TICK_MILLIS = 200;
    private static final Progress OFF = new Progress(null);

    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final Thread thread;
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

    void completed(long n) {
        if (thread != null) {
            completed.addAndGet(n);
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
    }

    private void loop(String kind) {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        long busySince = -1;
        ProgressBar bar = null;
        try {
            while (!closed) {
                Thread.sleep(TICK_MILLIS);
                long total = submitted.get();
                long done = completed.get();
                if (done >= total) {
                    busySince = -1;
                    if (bar != null) {
                        bar.maxHint(total);
                        bar.stepTo(done);
                        bar.close();
                        bar = null;
                    }
                    continue;
                }
                long now = System.nanoTime();
                if (busySince < 0) {
                    busySince = now;
                }
                if (bar == null && now - busySince >= SHOW_AFTER_MILLIS * 1_000_000) {
                    bar = new ProgressBarBuilder().setTaskName(kind + " jobs").setInitialMax(total)
                            .setUpdateIntervalMillis((int) TICK_MILLIS).setConsumer(new ConsoleProgressBarConsumer(err))
                            .build();
                }
                if (bar != null) {
                    bar.maxHint(total);
                    bar.stepTo(done);
                }
            }
        } catch (InterruptedException e) {
            // closed
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
