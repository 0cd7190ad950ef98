package org.jpar.programs;

import org.jpar.Par;

/** Every rank prints long lines piece by piece, to show lines never mix. */
public final class ChattyRanks {
    private ChattyRanks() {
    }

    public static void main(String[] args) {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        String r = Integer.toString(Par.rank());
        for (int i = 0; i < lines; i++) {
            System.out.print("rank=");
            for (int k = 0; k < 20; k++) {
                System.out.print(r);
                System.out.print(':');
            }
            System.out.println("end");
        }
    }
}
