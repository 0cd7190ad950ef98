package org.jpar.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jpar.Communicator;
import org.jpar.JparException;
import org.jpar.engine.threads.ThreadsEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A bad -Djpar... number is one clear error, not silently the default (as Integer.getInteger made it). */
class SettingsTest {
    @AfterEach
    void clear() {
        System.clearProperty(Settings.SPIN_MICROS.name());
        System.clearProperty(Settings.COLLECTIVE_FANOUT.name());
    }

    @Test
    void aValueInRangeIsRead() {
        System.setProperty(Settings.SPIN_MICROS.name(), " 20 ");
        assertThat(Settings.SPIN_MICROS.get(50)).isEqualTo(20);
        System.clearProperty(Settings.SPIN_MICROS.name());
        assertThat(Settings.SPIN_MICROS.get(50)).isEqualTo(50);
    }

    @Test
    void anEmbeddedJobWithABadSettingDoesNotStart() {
        System.setProperty(Settings.COLLECTIVE_FANOUT.name(), "0");
        assertThatThrownBy(() -> ThreadsEngine.run(2, (Communicator w) -> w.barrier()))
                .isInstanceOf(JparException.class)
                .hasMessage("-Djpar.threads.collectiveFanout=0 is out of range: it sets how many ranks each woken rank "
                        + "wakes at the end of a collective of the embedded engine; give a whole number from 1 to 1024, "
                        + "or leave it unset for the default");
        System.setProperty(Settings.SPIN_MICROS.name(), "fast");
        System.clearProperty(Settings.COLLECTIVE_FANOUT.name());
        assertThatThrownBy(Settings::checkAll).hasMessageStartingWith("-Djpar.threads.spinMicros=fast is not a whole "
                + "number: it sets how long a waiting rank");
    }
}
