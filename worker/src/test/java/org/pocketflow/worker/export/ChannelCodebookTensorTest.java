package org.pocketflow.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

/** Per-channel codebook tensors in the packed file: format version 3, older versions unchanged. */
class ChannelCodebookTensorTest {
    private static final long[] SHAPE = {6, 3, 3, 3};

    private static ChannelCodebookTensor tensor(int axis) {
        SplittableRandom r = new SplittableRandom(11);
        int[] idx = new int[162];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = r.nextInt(4);
        }
        float[] scales = new float[(int) SHAPE[axis]];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = 0.5f + c;
        }
        return ChannelCodebookTensor.of(SHAPE, 2, axis, scales, new float[]{-1.5f, -0.25f, 0.5f, 2f}, idx);
    }

    @Test
    void decodesEachElementAsItsChannelScaleTimesItsCentroid() {
        for (int axis : new int[]{0, 1}) {
            ChannelCodebookTensor t = tensor(axis);
            float[] v = t.decode();
            int[] idx = t.indices();
            for (int i = 0; i < v.length; i++) {
                int c = UniformTensor.channelOf(i, SHAPE, axis);
                assertEquals(t.scales()[c] * t.codebook()[idx[i]], v[i], 0f);
            }
            assertEquals("codebook-2-scaled", t.describe());
        }
    }

    @Test
    void perChannelLayoutDecodesEachElementFromItsChannelsOwnCodebook() {
        // 3 channels along axis 1 of [2, 3], 1 bit: channel c's codebook is {10c, 10c + 1}
        ChannelCodebookTensor t = ChannelCodebookTensor.of(new long[]{2, 3}, 1, 1, new float[0],
                new float[]{0f, 1f, 10f, 11f, 20f, 21f}, new int[]{0, 1, 1, 1, 0, 0});
        assertTrue(t.perChannel());
        assertArrayEquals(new float[]{0f, 11f, 21f, 1f, 10f, 20f}, t.decode(), 0f);
        assertEquals("codebook-1-per-channel", t.describe());
        PackedModel back = PackedModelFile.fromBytes(PackedModelFile.toBytes(new PackedModel("{}", Map.of("w", t),
                Map.of())), "memory");
        assertArrayEquals(t.decode(), back.tensors().get("w").decode(), 0f);
        assertThrows(IllegalArgumentException.class, () -> ChannelCodebookTensor.of(new long[]{2, 3}, 1, 1,
                new float[0], new float[]{0f, 1f, 10f, 11f}, new int[6]), "two codebooks for three channels");
    }

    @Test
    void roundTripsThroughAVersionThreeFileWhileOtherFilesStayVersionTwo() {
        Map<String, TensorEncoding> tensors = new LinkedHashMap<>();
        tensors.put("conv_W", tensor(0));
        tensors.put("dense_W", tensor(1));
        tensors.put("plain", CodebookTensor.of(new long[]{4}, 2, new float[]{0f, 1f}, new int[]{0, 1, 1, 0}));
        PackedModel m = new PackedModel("{\"v\":3}", tensors, Map.of("learner", "nonuniform-quant"));
        byte[] bytes = PackedModelFile.toBytes(m);
        assertEquals(3, bytes[5]);
        PackedModel back = PackedModelFile.fromBytes(bytes, "memory");
        for (String k : tensors.keySet()) {
            assertArrayEquals(tensors.get(k).decode(), back.tensors().get(k).decode(), 0f, k);
        }
        ChannelCodebookTensor t = (ChannelCodebookTensor) back.tensors().get("dense_W");
        assertEquals(1, t.axis());
        assertArrayEquals(tensor(1).scales(), t.scales(), 0f);

        tensors.remove("conv_W");
        tensors.remove("dense_W");
        byte[] older = PackedModelFile.toBytes(new PackedModel("{\"v\":2}", tensors, Map.of()));
        assertEquals(2, older[5], "no per-channel codebook: written as version 2");
    }

    @Test
    void storesFewerBytesThanUniformPerChannelLevelsOfTheSameBits() {
        ChannelCodebookTensor t = tensor(0);
        UniformTensor u = UniformTensor.of(SHAPE, 2, 0, new float[6], new float[6], t.indices());
        // 4 centroids and 6 scales against 6 scales and 6 offsets
        assertEquals(u.storedBytes() - 8, t.storedBytes());
        assertEquals(t.storedBytes(), written(t).length);
    }

    @Test
    void rejectsAnIndexBeyondTheCodebookAndAScaleCountThatIsNotTheChannelCount() {
        ChannelCodebookTensor small = ChannelCodebookTensor.of(new long[]{2, 2}, 2, 0, new float[]{1f, 2f},
                new float[]{0f, 1f}, new int[]{0, 1, 1, 0});
        byte[] body = PackedModelFile.toBytes(new PackedModel("{}", Map.of("w", small), Map.of()));
        PackedModel ok = PackedModelFile.fromBytes(body, "ok");
        assertArrayEquals(new float[]{0f, 1f, 2f, 0f}, ok.tensors().get("w").decode(), 0f);
        assertThrows(IllegalArgumentException.class, () -> ChannelCodebookTensor.of(new long[]{2, 2}, 2, 0,
                new float[]{1f}, new float[]{0f, 1f}, new int[]{0, 1, 1, 0}));
        // an index of 3 against a codebook of 2 entries, behind a valid checksum
        ChannelCodebookTensor bad = new ChannelCodebookTensor(new long[]{2, 2}, 2, 0, new float[]{1f, 2f},
                new float[]{0f, 1f}, Tensors.pack(new int[]{0, 3, 1, 0}, 2));
        byte[] file = PackedModelFile.toBytes(new PackedModel("{}", Map.of("w", bad), Map.of()));
        String msg = assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(file, "bad"))
                .getMessage();
        assertTrue(msg.contains("beyond the codebook"), msg);
        byte[] cut = Arrays.copyOf(file, file.length - 4 - 3);
        byte[] reCrc = Arrays.copyOf(cut, cut.length + 4);
        CRC32C crc = new CRC32C();
        crc.update(cut);
        ByteBuffer.wrap(reCrc, cut.length, 4).putInt((int) crc.getValue());
        assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(reCrc, "cut"));
    }

    private static byte[] written(TensorEncoding t) {
        try {
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(buf);
            t.write(out);
            out.flush();
            return buf.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
