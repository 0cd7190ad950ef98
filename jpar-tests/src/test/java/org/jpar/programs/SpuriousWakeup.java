package org.jpar.programs;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jpar.Communicator;
import org.jpar.Par;

/**
 * For MPJ Express's multicore device only: rank 1 receives from rank 0, and before rank 0 sends, it wakes every
 * thread that waits inside MPJ for a pending receive, as a spurious wakeup of {@code Object.wait} would (MPJ's
 * {@code xdev.smpdev.Semaphore.acquire} waits once, not in a loop). A receive that waits in MPJ then fails with
 * {@code mpjbuf.BufferUnderflowException}; jpar's must not wait there, and gets the message. Rank 0 prints how many
 * waiting receives it found pending and how many it woke.
 */
public final class SpuriousWakeup {
    private SpuriousWakeup() {
    }

    public static void main(String[] args) throws Exception {
        Communicator c = Par.init(args);
        if (c.rank() == 1) {
            byte[] got = c.receive(0, 7);
            System.out.println("rank 1 got " + Arrays.toString(got));
        } else if (c.rank() == 0) {
            Class<?> device = Class.forName("xdev.smpdev.SMPDeviceImpl", false,
                    Thread.currentThread().getThreadGroup().getClass().getClassLoader());
            long end = System.nanoTime() + 20_000_000_000L;
            while (pendingReceives(device).isEmpty() && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            Thread.sleep(300); // rank 1 is in its receive now, waiting wherever it waits
            List<Object> pending = pendingReceives(device);
            int woken = 0;
            synchronized (device) { // MPJ's own lock of its queues and wait sets
                for (Object recv : pending) {
                    Object waitSet = field(recv, "waitSet");
                    if (waitSet != null) {
                        Object sem = field(waitSet, "sem");
                        synchronized (sem) {
                            sem.notifyAll();
                        }
                        woken++;
                    }
                }
            }
            System.out.println("rank 0 found " + pending.size() + " pending receive(s), woke " + woken);
            Thread.sleep(300); // a receive that woke up fails now, before the message is there
            c.send(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 7);
        }
        Par.finish();
    }

    /** @return every receive posted in MPJ's multicore device and not matched yet (of every rank) */
    private static List<Object> pendingReceives(Class<?> device) throws ReflectiveOperationException {
        List<Object> all = new ArrayList<>();
        synchronized (device) {
            Object world = device.getField("WORLD").get(null);
            Map<?, ?> map = (Map<?, ?>) field(field(world, "recvQueue"), "map");
            Set<Object> seen = new HashSet<>();
            for (Object head : map.values()) {
                Object r = head;
                while (seen.add(r)) { // each key's receives form a ring through 'next'
                    all.add(r);
                    r = field(r, "next");
                }
            }
        }
        return all;
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        for (Class<?> k = o.getClass(); k != null; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + "." + name);
    }
}
