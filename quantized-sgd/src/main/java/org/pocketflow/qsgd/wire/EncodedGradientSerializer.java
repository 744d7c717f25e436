package org.pocketflow.qsgd.wire;

import com.esotericsoftware.kryo.kryo5.Kryo;
import com.esotericsoftware.kryo.kryo5.KryoException;
import com.esotericsoftware.kryo.kryo5.Serializer;
import com.esotericsoftware.kryo.kryo5.io.Input;
import com.esotericsoftware.kryo.kryo5.io.Output;
import org.pocketflow.qsgd.EncodedGradient;

/**
 * Kryo 5 serializer of {@link EncodedGradient}: a positive varint length, then the message bytes
 * unchanged (they carry their own version and checksum, validated when decoded). Messages are
 * immutable, so {@code kryo.copy} shares them.
 */
public final class EncodedGradientSerializer extends Serializer<EncodedGradient> {

    public EncodedGradientSerializer() {
        super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, EncodedGradient message) {
        byte[] b = message.bytes();
        output.writeVarInt(b.length, true);
        output.writeBytes(b);
    }

    @Override
    public EncodedGradient read(Kryo kryo, Input input, Class<? extends EncodedGradient> type) {
        int length = input.readVarInt(true);
        if (length < 0) {
            throw new KryoException("EncodedGradient length " + length + " is negative: the stream is corrupt");
        }
        return new EncodedGradient(input.readBytes(length));
    }
}
