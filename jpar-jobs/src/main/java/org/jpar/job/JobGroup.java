package org.jpar.job;

/**
 * A named group of jobs of a {@link JobServer} (pp's {@code group=}): {@code server.group("primes").submit(...)},
 * then {@code server.await("primes")} or {@link #await()}. A cheap view: make one whenever needed.
 */
public final class JobGroup {
    private final JobServer server;
    private final String name;

    JobGroup(JobServer server, String name) {
        this.server = server;
        this.name = name;
    }

    /** @return the group's name */
    public String name() {
        return name;
    }

    /** As {@link JobServer#submit(CallableTask)}, in this group. */
    public <R> Job<R> submit(CallableTask<R> task) {
        return server.submit(name, task, new Object[0]);
    }

    /** As {@link JobServer#submit(Task, Object)}, in this group. */
    public <A, R> Job<R> submit(Task<A, R> task, A arg) {
        return server.submit(name, task, new Object[] {arg});
    }

    /** As {@link JobServer#submit(BiTask, Object, Object)}, in this group. */
    public <A, B, R> Job<R> submit(BiTask<A, B, R> task, A a, B b) {
        return server.submit(name, task, new Object[] {a, b});
    }

    /** Blocks until every job of this group submitted so far is done (pp's {@code wait(group)}). */
    public void await() {
        server.await(name);
    }

    @Override
    public String toString() {
        return "JobGroup[" + name + "]";
    }
}
