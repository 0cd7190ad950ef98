package org.jpar.job;

import java.util.List;

import org.jpar.JparException;

/**
 * The journal as the scheduler uses it: fingerprints submitted jobs (their task's code and encoded call), finds the
 * results an earlier run kept for them, and keeps the new results.
 */
final class Recall {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    /** A result the journal held for a job (its value may be null). */
    record Kept(Object value) {
    }

    /** Per submitted call: its fingerprint, and its {@link Kept} result or null. */
    record Found(byte[][] fingerprints, Kept[] kept) {
    }

    private final Scheduler s;
    private final Journal journal;

    Recall(Scheduler s, Journal journal) {
        this.s = s;
        this.journal = journal;
    }

    /** Fingerprints {@code fn} over each of {@code calls} and looks each up (not under the lock). */
    Found lookUp(Object fn, List<Object[]> calls) {
        int n = calls.size();
        byte[][] fps = new byte[n][];
        Kept[] kept = new Kept[n];
        byte[] code;
        try {
            code = TaskCode.identity(fn);
        } catch (java.io.UncheckedIOException e) {
            throw new JparException("submit: with a journal, every job is bound to its task's code, and this "
                    + "task's cannot be read: " + e.getMessage(), e);
        }
        for (int i = 0; i < n; i++) {
            try {
                fps[i] = Journal.fingerprint(code, s.encodeCall(new Wire.Call(fn, calls.get(i), false)));
            } catch (JparException e) {
                throw new JparException("submit: with a journal, every job is encoded to be recognized on a "
                        + "rerun, and this one cannot be: " + e.getMessage(), e);
            }
            byte[] value = journal.lookup(fps[i]);
            if (value != null) {
                try {
                    kept[i] = new Kept(s.decoder.decode(value));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "journal " + journal.file() + ": a kept result cannot be"
                            + " decoded (" + e + "); the job runs again");
                }
            }
        }
        return new Found(fps, kept);
    }

    /** Keeps a result computed here, if it can be encoded (else it is computed again on a rerun). */
    void keep(byte[] fingerprint, Object value) {
        byte[] bytes;
        try {
            bytes = s.encoder.encode(value);
        } catch (Throwable e) {
            Failures.rethrowIfFatal(e);
            LOG.log(System.Logger.Level.WARNING, "journal " + journal.file() + ": a result of type "
                    + (value == null ? "null" : value.getClass().getName()) + " cannot be encoded; it will be computed again on a rerun");
            return;
        }
        journal.append(fingerprint, bytes);
    }

    /** Keeps a result a rank computed, as it arrived encoded. */
    void keepEncoded(byte[] fingerprint, byte[] value) {
        journal.append(fingerprint, value);
    }
}
