package org.jpar.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.jpar.Communicator;
import org.jpar.Par;
import org.jpar.junit.Ranks;
import org.junit.jupiter.api.Timeout;

/** A result of 160 MB from a remote rank arrives (it used to end the whole Pool run at Fory's 128 MiB). */
@Timeout(300)
class LargeResultTest {
    /** A result holding a large array, and the rank that computed it. */
    public record Big(int rank, byte[] data) {
    }

    static Big big(int x) throws InterruptedException {
        Thread.sleep(200); // every rank gets a share
        byte[] data = new byte[160_000_000];
        data[data.length - 1] = (byte) x;
        return new Big(Par.rank(), data);
    }

    @Ranks({2})
    void a160MbResultFromARemoteRankArrives(Communicator world) {
        try (Pool pool = new Pool(JobSettings.defaults().communicator(world))) {
            if (pool.isMaster()) {
                List<Big> got = pool.map(LargeResultTest::big, List.of(1, 2, 3, 4), 1);
                for (int i = 0; i < got.size(); i++) {
                    assertThat(got.get(i).data()).hasSize(160_000_000);
                    assertThat(got.get(i).data()[159_999_999]).isEqualTo((byte) (i + 1));
                }
                assertThat(got).anyMatch(b -> b.rank() != 0);
            }
        }
    }
}
