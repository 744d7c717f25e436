package org.pocketflow.qsgd.wire;

import com.esotericsoftware.kryo.kryo5.Kryo;
import org.pocketflow.qsgd.EncodedGradient;

/** Registers this module's wire types with a Kryo 5 instance. */
public final class QsgdKryo {

    private QsgdKryo() {
    }

    /**
     * Registers {@link EncodedGradient} with {@link EncodedGradientSerializer}, so the module works
     * with {@code kryo.setRegistrationRequired(true)}. Kryo numbers registrations in call order:
     * every JVM that exchanges messages must register the same classes in the same order.
     *
     * @return {@code kryo}, for chaining
     */
    public static Kryo register(Kryo kryo) {
        kryo.register(EncodedGradient.class, new EncodedGradientSerializer());
        return kryo;
    }
}
