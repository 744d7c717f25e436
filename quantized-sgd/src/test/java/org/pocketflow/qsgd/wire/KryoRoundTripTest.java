package org.pocketflow.qsgd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.esotericsoftware.kryo.kryo5.Kryo;
import com.esotericsoftware.kryo.kryo5.io.Input;
import com.esotericsoftware.kryo.kryo5.io.Output;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.codec.CodecCase;

class KryoRoundTripTest {

    private static Kryo kryo() {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        return QsgdKryo.register(kryo);
    }

    @ParameterizedTest
    @MethodSource("org.pocketflow.qsgd.codec.CodecCase#cases")
    void messageSurvivesKryoWithRegistrationRequired(CodecCase c) {
        float[] g = CodecCase.gaussian(1, 3000, 1.0);
        EncodedGradient m = c.codec().newEncoder(1).encode(g);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Output out = new Output(bytes)) {
            kryo().writeObject(out, m);
            kryo().writeClassAndObject(out, m);
        }
        Kryo reader = kryo();
        try (Input in = new Input(bytes.toByteArray())) {
            EncodedGradient a = reader.readObject(in, EncodedGradient.class);
            EncodedGradient b = (EncodedGradient) reader.readClassAndObject(in);
            assertEquals(m, a);
            assertEquals(m, b);
            float[] expected = new float[g.length];
            float[] actual = new float[g.length];
            c.codec().decode(m, expected);
            c.codec().decode(b, actual);
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void copyingAnImmutableMessageSharesIt() {
        EncodedGradient m = new EncodedGradient(new byte[] {1, 2, 3});
        assertSame(m, kryo().copy(m));
    }

    @Test
    void unregisteredKryoRefusesMessages() {
        Kryo bare = new Kryo();
        bare.setRegistrationRequired(true);
        EncodedGradient m = new EncodedGradient(new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> bare.writeClassAndObject(new Output(64), m));
    }
}
