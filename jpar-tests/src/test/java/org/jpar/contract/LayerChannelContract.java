package org.jpar.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.jpar.Communicator;
import org.jpar.Envelope;
import org.jpar.JparException;
import org.jpar.Par;
import org.jpar.Request;
import org.jpar.spi.LayerChannel;
import org.jpar.spi.LayerCodec;

/**
 * The extension point for layers built on jpar ({@link LayerChannel}, {@link LayerCodec}) on every engine: a layer's
 * messages are a space of their own, never seen by the user's receives (ANY_TAG included) nor by another layer's.
 */
public class LayerChannelContract {
    private static final int SLOT_A = 62;
    private static final int SLOT_B = 63;

    private static int right(Communicator c) {
        return (c.rank() + 1) % c.size();
    }

    private static int left(Communicator c) {
        return (c.rank() - 1 + c.size()) % c.size();
    }

    @Contract
    public void aLayersMessagesAreNeverMatchedByUserReceivesNorByAnotherLayer(Communicator c) {
        try (LayerChannel a = LayerChannel.open(c, "test.a", SLOT_A);
                LayerChannel b = LayerChannel.open(c, "test.b", SLOT_B)) {
            b.send("b" + c.rank(), right(c), 3);
            a.send("a" + c.rank(), right(c), 3);
            c.send("user" + c.rank(), right(c), 3);
            // the user's wildcard receive skips both layers' earlier messages
            Envelope<Object> user = c.receiveEnvelope(Par.ANY_SOURCE, Par.ANY_TAG);
            assertThat(user.value()).isEqualTo("user" + left(c));
            assertThat(user.tag()).isEqualTo(3);
            // layer a's receive skips layer b's earlier message on the same channel tag
            Envelope<Object> got = a.receive(Par.ANY_SOURCE, 3);
            assertThat(got.value()).isEqualTo("a" + left(c));
            assertThat(got.source()).isEqualTo(left(c));
            assertThat(got.tag()).isEqualTo(3);
            Request<Object> r = b.ireceive(left(c), 3);
            Envelope<Object> fromB = r.awaitEnvelope();
            assertThat(fromB.value()).isEqualTo("b" + left(c));
            assertThat(fromB.tag()).isEqualTo(3);
            assertThat(r.isDone()).isTrue();
            c.barrier();
        }
    }

    @Contract
    public void aLayerSendsItsOwnEncodedBytesInOrder(Communicator c) {
        LayerCodec codec = new LayerCodec(getClass().getClassLoader());
        try (LayerChannel a = LayerChannel.open(c, "test.a", SLOT_A)) {
            for (int i = 0; i < 5; i++) {
                a.send(codec.encode(List.of(c.rank(), i)), right(c), 0);
            }
            for (int i = 0; i < 5; i++) {
                byte[] bytes = (byte[]) a.receive(left(c), 0).value();
                assertThat(codec.decode(bytes)).isEqualTo(List.of(left(c), i));
            }
            c.barrier();
        }
    }

    @Contract
    public void aSlotHasOneUserPerRankAndItsTagsAreChecked(Communicator c) {
        try (LayerChannel a = LayerChannel.open(c, "test.a", SLOT_A)) {
            assertThat(LayerChannel.tryOpen(c, "test.a", SLOT_A)).isNull();
            assertThatThrownBy(() -> LayerChannel.open(c, "test.a", SLOT_A)).isInstanceOf(JparException.class)
                    .hasMessageContaining("slot " + SLOT_A + " is already open");
            assertThatThrownBy(() -> a.send("x", c.rank(), LayerChannel.TAGS_PER_LAYER))
                    .isInstanceOf(JparException.class).hasMessageContaining("channel tag 16 is out of range 0..15");
            assertThatThrownBy(() -> LayerChannel.open(c, "test.x", LayerChannel.MAX_SLOTS))
                    .isInstanceOf(JparException.class).hasMessageContaining("out of range");
        }
        LayerChannel.open(c, "test.a", SLOT_A).close(); // free again once closed
    }
}
