package com.example;

import org.jpar.Par;

/** Rank 0 sends a record to rank 1, which prints it: for the codec's allow-list ({@code -Djpar.codec.allow}). */
public final class SendsRecord {
    /** A user class: outside jpar's own packages, which the allow-list always admits. */
    public record Rec(int x) {
    }

    private SendsRecord() {
    }

    public static void main(String[] args) {
        if (Par.rank() == 0) {
            Par.send(new Rec(7), 1);
        } else if (Par.rank() == 1) {
            System.out.println("got " + Par.receive(0));
        }
        Par.finish();
    }
}
