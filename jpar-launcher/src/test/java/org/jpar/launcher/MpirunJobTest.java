package org.jpar.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How the launcher puts ranks' lines back together from mpirun's tagged output. */
class MpirunJobTest {
    private static List<String> untag(String mpirunOutput) {
        List<String> lines = new ArrayList<>();
        MpirunJob.untag(new ByteArrayInputStream(mpirunOutput.getBytes(StandardCharsets.ISO_8859_1)), lines::add);
        return lines;
    }

    @Test
    void piecesOfARanksLineAreJoinedAndOtherRanksLinesPassInOrder() {
        assertThat(untag("[1,0]<stdout>:rank 0 li[1,2]<stdout>:rank 2 line 0\n"
                + "[1,2]<stdout>:rank 2 line 1\n"
                + "[1,0]<stdout>:ne 0\n"
                + "[1,1]<stderr>:half[1,0]<stdout>:rank 0 line 1\n"
                + "--------------------------------------------------------------------------\n"
                + "[1,1]<stderr>: and the rest\n"
                + "[1,3]<stdout>:no newline at the end"))
                .containsExactly("rank 2 line 0", "rank 2 line 1", "rank 0 line 0", "rank 0 line 1",
                        "--------------------------------------------------------------------------",
                        "half and the rest", "no newline at the end");
    }

    @Test
    void textWithoutTagsPassesUntouched() {
        assertThat(untag("plain\n\n[not a tag] x\n[1,0]<stdout>:10%\r20%\n")).containsExactly("plain", "",
                "[not a tag] x", "10%\r20%");
    }
}
