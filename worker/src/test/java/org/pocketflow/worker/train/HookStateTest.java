package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

/** {@link HookState}'s frame: chained hooks round-trip in order, and each fault is named. */
class HookStateTest {

    /** A hook whose state is some floats (exact bits kept) and a count. */
    private static final class Floats implements StepHook {
        private final String name;
        private float[] values;
        private int count;

        Floats(String name, float[] values, int count) {
            this.name = name;
            this.values = values;
            this.count = count;
        }

        @Override
        public String stateName() {
            return name;
        }

        @Override
        public void saveState(DataOutput out) throws IOException {
            HookState.writeFloats(out, values);
            out.writeInt(count);
        }

        @Override
        public void restoreState(DataInput in) throws IOException {
            values = HookState.readFloats(in, values.length, "the values of " + name);
            count = in.readInt();
        }
    }

    @Test
    void chainedHooksRoundTripInOrderWithExactBits() {
        float nan = Float.intBitsToFloat(0x7fc00123);
        Floats a = new Floats("a/1", new float[] {1.5f, -0f, nan, Float.MIN_VALUE}, 7);
        Floats b = new Floats("b/1", new float[] {3}, 9);
        byte[] state = HookState.encode(a.andThen(b), 12);
        Floats a2 = new Floats("a/1", new float[4], 0);
        Floats b2 = new Floats("b/1", new float[1], 0);
        HookState.restore(state, a2.andThen(b2), 12);
        assertEquals(7, a2.count);
        assertEquals(9, b2.count);
        assertEquals(0x7fc00123, Float.floatToRawIntBits(a2.values[2]), "a NaN's payload is kept");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(a2.values[1]), "negative zero is kept");
        assertArrayEquals(new float[] {3}, b2.values);
        assertEquals("a/1+b/1", a.andThen(b).stateName());
    }

    @Test
    void eachFaultIsNamed() {
        Floats a = new Floats("a/1", new float[] {1, 2}, 1);
        byte[] state = HookState.encode(a, 3);
        assertFault(state, new Floats("a/1", new float[2], 0), 4, "hook state is of step 3, the checkpoint's is 4");
        assertFault(state, new Floats("b/1", new float[2], 0), 3, "hook state is of hook a/1, this run's is b/1");
        assertFault(state, new Floats("a/1", new float[3], 0), 3, "holds 2 values for the values of a/1, this network has 3");
        assertFault(state, new Floats("a/1", new float[2], 0).andThen(new Floats("c/1", new float[0], 0)), 3,
                "hook state is of hook a/1, this run's is a/1+c/1");
        byte[] version = state.clone();
        ByteBuffer.wrap(version).putInt(4, 9);
        reseal(version);
        assertFault(version, a, 3, "hook state has format version 9, this build reads 1");
        byte[] magic = state.clone();
        magic[0] = 'X';
        reseal(magic);
        assertFault(magic, a, 3, "does not start with PFHS");
        byte[] flipped = state.clone();
        flipped[20] ^= 4;
        assertFault(flipped, a, 3, "CRC32C does not match");
        assertFault(new byte[10], a, 3, "hook state of 10 bytes is too short");
    }

    @Test
    void aHookThatReadsLessThanItsStateIsRefused() {
        byte[] state = HookState.encode(new Floats("a/1", new float[] {1, 2}, 1), 0);
        StepHook shortReader = new StepHook() {
            @Override
            public String stateName() {
                return "a/1";
            }
        };
        assertFault(state, shortReader, 0, "hook a/1 left 16 bytes of its state unread");
    }

    private static void assertFault(byte[] state, StepHook hook, long step, String expected) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> HookState.restore(state, hook, step));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void reseal(byte[] state) {
        CRC32C crc = new CRC32C();
        crc.update(state, 0, state.length - 4);
        ByteBuffer.wrap(state).putInt(state.length - 4, (int) crc.getValue());
    }
}
