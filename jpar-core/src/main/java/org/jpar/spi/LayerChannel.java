package org.jpar.spi;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;

/**
 * A message space of its own, on a {@link Communicator}, for a layer built on jpar (a library that sends its own
 * messages between the ranks while the application sends its own): the extension point that jpar's job layer
 * ({@code org.jpar.job}) is built on, and the only one a layer needs besides the public API and {@link LayerCodec}.
 *
 * <p>A layer is named and has a <em>slot</em>, fixed in its code and the same on every rank, which reserves it
 * {@link #TAGS_PER_LAYER} tags ({@code 0..TAGS_PER_LAYER-1} on the channel). Messages on a channel never match a
 * user's receive (not even one with {@link Par#ANY_TAG}), nor jpar's collectives, nor another slot's channel: the
 * tags travel as engine-internal tags ({@code <=} {@link Transport#INTERNAL_TAG_BASE}), so this is MPI's answer for
 * libraries, a separate message space, without a new communicator. Slots in use: 0, {@code jpar.job} (Pool,
 * JobServer). A later {@code Communicator.dup()} can back a channel without changing this class's contract.
 *
 * <p>Semantics are those of the communicator's point-to-point calls: messages from one sender to one receiver on one
 * channel tag arrive in the order sent; blocking calls end with {@link org.jpar.JobAbortedException} when another
 * rank of the job failed. A channel is open for one user at a time per rank and slot ({@link #tryOpen}); every rank
 * that takes part opens its own. Thread-safe as the engine's transport is (any thread may send and receive).
 */
public final class LayerChannel implements AutoCloseable {
    /** Tags each slot has: channel tags are {@code 0..TAGS_PER_LAYER-1}. */
    public static final int TAGS_PER_LAYER = 16;
    /** Slots there are: {@code 0..MAX_SLOTS-1}. */
    public static final int MAX_SLOTS = 64;
    /** The engine-internal tag of slot 0's tag 0; below it, jpar's collectives' tags above. */
    static final int LAYER_TAG_BASE = Transport.INTERNAL_TAG_BASE - 16;

    /** Slots open per transport (one rank's endpoint), to refuse a second user. */
    private static final Map<Transport, Set<Integer>> OPEN = Collections.synchronizedMap(new IdentityHashMap<>());

    private final Communicator comm;
    private final Transport transport;
    private final String name;
    private final int slot;
    private final int base;
    private boolean closed;

    private LayerChannel(Communicator comm, String name, int slot) {
        this.comm = comm;
        this.transport = comm.transport();
        this.name = name;
        this.slot = slot;
        this.base = LAYER_TAG_BASE - slot * TAGS_PER_LAYER;
    }

    /**
     * Opens the channel of layer {@code name} in {@code slot} on {@code comm}, for this rank. Does not block, sends
     * nothing: the other ranks open theirs on their own.
     *
     * @param comm a communicator that is not closed
     * @param name the layer's name, for messages (e.g. {@code jpar.job})
     * @param slot the layer's slot, {@code 0..MAX_SLOTS-1}, the same on every rank
     * @return the channel, or null when this slot is already open on this rank's endpoint of {@code comm} (until
     *         that channel is {@link #close closed})
     * @throws JparException if {@code comm} is closed or {@code slot} is out of range
     */
    public static LayerChannel tryOpen(Communicator comm, String name, int slot) {
        Objects.requireNonNull(comm, "comm");
        Objects.requireNonNull(name, "name");
        if (slot < 0 || slot >= MAX_SLOTS) {
            throw new JparException("layer " + name + ": slot " + slot + " is out of range 0.." + (MAX_SLOTS - 1)
                    + "; give the layer a fixed slot in that range (slot 0 is jpar.job)");
        }
        if (comm.isClosed()) {
            throw new JparException("layer " + name + ": communicator " + comm + " is closed; open the layer's "
                    + "channel before Par.finish()");
        }
        Transport t = comm.transport();
        synchronized (OPEN) {
            Set<Integer> slots = OPEN.computeIfAbsent(t, k -> new java.util.HashSet<>());
            if (!slots.add(slot)) {
                return null;
            }
        }
        return new LayerChannel(comm, name, slot);
    }

    /**
     * As {@link #tryOpen}, but refuses a slot already open.
     *
     * @throws JparException also when the slot is already open on this rank's endpoint of {@code comm}
     */
    public static LayerChannel open(Communicator comm, String name, int slot) {
        LayerChannel c = tryOpen(comm, name, slot);
        if (c == null) {
            throw new JparException("layer " + name + ": slot " + slot + " is already open on " + comm + " on this "
                    + "rank; close that channel first (one user of a slot per rank at a time)");
        }
        return c;
    }

    /** @return the communicator the channel is on */
    public Communicator communicator() {
        return comm;
    }

    /** @return the layer's name */
    public String name() {
        return name;
    }

    /** @return this rank in the channel's communicator */
    public int rank() {
        return comm.rank();
    }

    /** @return the number of ranks of the channel's communicator */
    public int size() {
        return comm.size();
    }

    /** @return the engine's name, e.g. {@code threads} or {@code openmpi} */
    public String engine() {
        return comm.engine();
    }

    /**
     * Sends {@code message} (any object, {@code null}, or a primitive array; a {@code byte[]} travels as is) to
     * {@code dest} on channel tag {@code tag}. Blocks as the communicator's {@code send}: until {@code message} may be
     * reused, which on an MPI engine may mean until the receiver takes a large message.
     *
     * @param dest a rank of the communicator (may be this rank)
     * @param tag  a channel tag, {@code 0..TAGS_PER_LAYER-1}
     * @throws JparException                  if the tag is out of range, or the engine fails (a message that cannot
     *                                        be encoded, a closed communicator)
     * @throws org.jpar.JobAbortedException if another rank of the job failed
     */
    public void send(Object message, int dest, int tag) {
        transport.send(message, dest, wire(tag));
    }

    /**
     * Receives the first message on channel tag {@code tag} from {@code source}; blocks until one arrives.
     *
     * @param source a rank or {@link Par#ANY_SOURCE}
     * @param tag    a channel tag, {@code 0..TAGS_PER_LAYER-1} (no wildcard)
     * @return the message and its envelope; its {@code tag} is the channel tag
     * @throws JparException                  if the tag is out of range or the message cannot be decoded here
     * @throws org.jpar.JobAbortedException if another rank of the job failed
     */
    public Envelope<Object> receive(int source, int tag) {
        Envelope<Object> e = transport.receive(source, wire(tag), null);
        return new Envelope<>(e.value(), e.source(), tag, e.bytes());
    }

    /**
     * Starts a receive as {@link #receive}, without blocking; the request's {@code await} blocks until the message
     * arrives (and throws what {@link #receive} throws), {@code isDone} polls. Its envelope's {@code tag} is the
     * channel tag.
     *
     * @throws JparException if the tag is out of range
     */
    public Request<Object> ireceive(int source, int tag) {
        Request<Object> r = transport.ireceive(source, wire(tag), null);
        return new Request<>() {
            @Override
            public Object await() {
                return r.await();
            }

            @Override
            public Envelope<Object> awaitEnvelope() {
                Envelope<Object> e = r.awaitEnvelope();
                return new Envelope<>(e.value(), e.source(), tag, e.bytes());
            }

            @Override
            public boolean isDone() {
                return r.isDone();
            }
        };
    }

    /** Releases the slot on this rank (nothing is sent; messages not received stay queued). Idempotent. */
    @Override
    public void close() {
        synchronized (OPEN) {
            if (closed) {
                return;
            }
            closed = true;
            Set<Integer> slots = OPEN.get(transport);
            if (slots != null) {
                slots.remove(slot);
                if (slots.isEmpty()) {
                    OPEN.remove(transport);
                }
            }
        }
    }

    private int wire(int tag) {
        if (tag < 0 || tag >= TAGS_PER_LAYER) {
            throw new JparException("layer " + name + ": channel tag " + tag + " is out of range 0.."
                    + (TAGS_PER_LAYER - 1) + "; a layer has " + TAGS_PER_LAYER + " tags");
        }
        return base - tag;
    }

    @Override
    public String toString() {
        return "layer " + name + " (slot " + slot + ") on " + comm;
    }
}
