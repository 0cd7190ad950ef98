package org.jpar.programs;

import java.util.List;

import org.jpar.Par;
import org.jpar.Request;

/** Rank 0 waits in {@code Request.waitAny} for a message rank 1 never sends; rank 1 receives from rank 0 first. */
public final class DeadlockInWaitAny {
    private DeadlockInWaitAny() {
    }

    public static void main(String[] args) {
        if (Par.rank() == 0) {
            Request<String> r = Par.world().ireceive(1, 3);
            Request.waitAny(List.of(r));
            Par.send("never", 1, 3);
        } else if (Par.rank() == 1) {
            Par.receive(0, 3);
            Par.send("never", 0, 3);
        }
    }
}
