package org.pocketflow.worker.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;

class PackedModelFileTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.1);
        }
        return v;
    }

    @Test
    void everyEncodingRoundTripsThroughTheFile() {
        long[] shape = {6, 5, 3, 3};
        float[] w = gaussian(270, 1);
        float[] sparse = w.clone();
        for (int i = 0; i < sparse.length; i += 3) {
            sparse[i] = 0f;
        }
        int[] levels = new int[270];
        int[] idx = new int[270];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 270; i++) {
            levels[i] = r.nextInt(1 << 5);
            idx[i] = r.nextInt(16);
        }
        float[] scales = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
        float[] offsets = {-1f, -2f, -3f, -4f, -5f, -6f};
        Map<String, TensorEncoding> tensors = new LinkedHashMap<>();
        tensors.put("dense", new DenseTensor(shape, w));
        tensors.put("sparse", SparseTensor.of(shape, sparse));
        tensors.put("uniform", UniformTensor.of(shape, 5, 0, scales, offsets, levels));
        tensors.put("codebook", CodebookTensor.of(shape, 4, Arrays.copyOf(w, 16), idx));
        PackedModel m = new PackedModel("{}", tensors, Map.of("learner", "test", "seed", "7"));
        PackedModel back = PackedModelFile.fromBytes(PackedModelFile.toBytes(m), "memory");
        assertEquals(m.provenance(), back.provenance());
        assertEquals(m.tensors().keySet(), back.tensors().keySet());
        for (String k : tensors.keySet()) {
            assertArrayEquals(m.tensors().get(k).decode(), back.tensors().get(k).decode(), k);
            assertArrayEquals(shape, back.tensors().get(k).shape(), k);
        }
        assertArrayEquals(w, back.tensors().get("dense").decode());
        assertArrayEquals(sparse, back.tensors().get("sparse").decode());
        assertArrayEquals(levels, ((UniformTensor) back.tensors().get("uniform")).levels());
        assertArrayEquals(idx, ((CodebookTensor) back.tensors().get("codebook")).indices());
        float[] u = back.tensors().get("uniform").decode();
        // element 100 is in channel 100 / 45 = 2
        assertEquals(offsets[2] + scales[2] * levels[100], u[100], 1e-6);
    }

    @Test
    void packedSizesFollowTheBits() {
        long[] shape = {1000, 100};
        float[] w = gaussian(100_000, 3);
        int[] levels = new int[100_000];
        float[] s = new float[100];
        assertEquals(400_000, new DenseTensor(shape, w).storedBytes(), 100);
        assertEquals(50_000, UniformTensor.of(shape, 4, 1, s, s, levels).storedBytes(), 1000);
        assertEquals(100_000, UniformTensor.of(shape, 8, 1, s, s, levels).storedBytes(), 1000);
        float[] quarter = w.clone();
        for (int i = 0; i < quarter.length; i++) {
            if (i % 4 != 0) {
                quarter[i] = 0;
            }
        }
        SparseTensor sp = SparseTensor.of(shape, quarter);
        assertEquals(0.75, sp.sparsity(), 1e-9);
        // every gap is 3: two bits per kept element beat the bitmap's four
        assertEquals(25_000 * 2 / 8 + 25_000 * 4, sp.storedBytes(), 100);
    }

    private static byte[] written(TensorEncoding t) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        t.write(new DataOutputStream(buf));
        return buf.toByteArray();
    }

    private static float[] keep(float[] w, double fraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = w.clone();
        for (int i = 0; i < v.length; i++) {
            if (r.nextDouble() >= fraction) {
                v[i] = 0;
            }
        }
        return v;
    }

    @Test
    void sparseTensorsWriteTheSmallerPositionCoding() throws IOException {
        long[] shape = {50, 40, 3, 3};
        float[] w = gaussian(18_000, 4);
        for (double kept : new double[]{0.5, 0.25, 0.1, 0.02, 0.0}) {
            SparseTensor t = SparseTensor.of(shape, keep(w, kept, 5));
            byte[] bytes = written(t);
            assertEquals(t.storedBytes(), bytes.length, "kept " + kept);
            long bitmapForm = 1 + 1 + 8 * 4 + 4 + Tensors.packedBytes(18_000, 1) + 4 + 4L * t.values().length;
            assertTrue(bytes.length <= bitmapForm, "kept " + kept + ": " + bytes.length + " > bitmap " + bitmapForm);
            assertEquals(kept >= 0.25 ? SparseTensor.KIND : SparseTensor.POSITIONS_KIND, bytes[0], "kept " + kept);
            TensorEncoding back = TensorEncoding.read(new DataInputStream(new ByteArrayInputStream(bytes)), 1 << 20);
            assertArrayEquals(t.decode(), back.decode(), "kept " + kept);
        }
    }

    @Test
    void rejectsSparsePositionsBeyondTheTensor() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeByte(SparseTensor.POSITIONS_KIND);
        out.writeByte(1);
        out.writeLong(4);
        out.writeInt(2);
        out.write(new byte[8]);
        out.writeByte(4);
        out.writeInt(8);
        out.write(new byte[]{0x33, 0, 0, 0, 0, 0, 0, 0}); // gaps 3 and 3: positions 3 and 7 of 4
        IOException e = assertThrows(IOException.class,
                () -> TensorEncoding.read(new DataInputStream(new ByteArrayInputStream(buf.toByteArray())), 100));
        assertTrue(e.getMessage().contains("position 7"), e.getMessage());
    }

    @Test
    void readsVersionOneFiles() throws IOException {
        // written by the version-1 writer: the four encodings of everyEncodingRoundTripsThroughTheFile
        byte[] v1;
        try (var in = getClass().getResourceAsStream("/export/golden-v1.pfpk")) {
            v1 = in.readAllBytes();
        }
        assertEquals(1, v1[5]);
        PackedModel m = PackedModelFile.fromBytes(v1, "golden-v1.pfpk");
        assertEquals("{\"golden\":1}", m.configJson());
        assertEquals(Map.of("learner", "golden", "seed", "7"), m.provenance());
        float[] w = gaussian(270, 1);
        assertArrayEquals(w, m.tensors().get("dense").decode());
        float[] sparse = m.tensors().get("sparse").decode();
        for (int i = 0; i < 270; i++) {
            assertEquals(i % 3 == 0 ? 0f : w[i], sparse[i]);
        }
        assertEquals("uniform-5", m.tensors().get("uniform").describe());
        assertEquals("codebook-4", m.tensors().get("codebook").describe());
        byte[] v2 = PackedModelFile.toBytes(m);
        assertEquals(2, v2[5], "a file without per-channel codebooks stays version 2");
        assertTrue(v2.length < v1.length, "version 2 " + v2.length + " bytes, version 1 " + v1.length);
        PackedModel again = PackedModelFile.fromBytes(v2, "v2");
        for (String k : m.tensors().keySet()) {
            assertArrayEquals(m.tensors().get(k).decode(), again.tensors().get(k).decode(), k);
        }
    }

    @Test
    void readsTheVersionTwoGoldenFile() throws IOException {
        // written by this version's writer: dense (byte planes), sparse with a bitmap (two thirds kept)
        // and with gaps (every tenth kept), uniform and codebook tensors; sections deflated
        byte[] v2;
        try (var in = getClass().getResourceAsStream("/export/golden-v2.pfpk")) {
            v2 = in.readAllBytes();
        }
        assertEquals(2, v2[5]);
        PackedModel m = PackedModelFile.fromBytes(v2, "golden-v2.pfpk");
        assertEquals("{\"golden\":2}", m.configJson());
        assertEquals(Map.of("learner", "golden", "seed", "7"), m.provenance());
        float[] w = gaussian(270, 1);
        assertArrayEquals(w, m.tensors().get("dense").decode());
        float[] sparse = m.tensors().get("sparse").decode();
        float[] sparser = m.tensors().get("sparser").decode();
        for (int i = 0; i < 270; i++) {
            assertEquals(i % 3 == 0 ? 0f : w[i], sparse[i]);
            assertEquals(i % 10 == 0 ? w[i] : 0f, sparser[i]);
        }
        int[] levels = ((UniformTensor) m.tensors().get("uniform")).levels();
        int[] idx = ((CodebookTensor) m.tensors().get("codebook")).indices();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 270; i++) {
            assertEquals(r.nextInt(1 << 5), levels[i]);
            assertEquals(r.nextInt(16), idx[i]);
        }
        PackedModel again = PackedModelFile.fromBytes(PackedModelFile.toBytes(m), "rewritten");
        assertArrayEquals(sparser, again.tensors().get("sparser").decode());
    }

    private static byte[] withChecksum(byte[] body) {
        byte[] b = Arrays.copyOf(body, body.length + 4);
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteBuffer.wrap(b, body.length, 4).putInt((int) crc.getValue());
        return b;
    }

    @Test
    void rejectsNewerVersionsAndBadSectionsEvenWithAValidChecksum() {
        Map<String, TensorEncoding> t = Map.of("w", new DenseTensor(new long[]{300}, gaussian(300, 6)));
        byte[] good = PackedModelFile.toBytes(new PackedModel("{\"a\":1}", t, Map.of("k", "v")));
        byte[] body = Arrays.copyOf(good, good.length - 4);
        byte[] newer = body.clone();
        newer[5] = 4;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(withChecksum(newer), "f"))
                .getMessage().contains("format version 4; this build reads versions 1 to 3"));
        byte[] cut = withChecksum(Arrays.copyOf(body, body.length - 7));
        String m = assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(cut, "f")).getMessage();
        assertTrue(m.contains("tensor section") && m.contains("truncated"), m);
        byte[] coding = body.clone();
        coding[6] = 9; // the provenance section's coding byte
        m = assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(withChecksum(coding), "f"))
                .getMessage();
        assertTrue(m.contains("unknown coding 9"), m);
    }

    @Test
    void networkRoundTripsWithIdenticalOutputs(@TempDir Path dir) {
        ComputationGraph g = Architecture.LENET.factory().create(MNIST, 10, 5);
        float[] conv2 = g.getParam("conv2_W").dup('c').data().asFloat();
        for (int i = 0; i < conv2.length; i += 2) {
            conv2[i] = 0;
        }
        g.getParam("conv2_W").assign(Nd4j.create(conv2, g.getParam("conv2_W").shape(), 'c'));
        PackedModel m = PackedModel.of(g, Map.of("conv2_W", SparseTensor.of(g.getParam("conv2_W").shape(), conv2)),
                Map.of("learner", "weight-sparsity"));
        String uri = dir.resolve("model.pfpk").toUri().toString();
        long bytes = PackedModelFile.write(m, uri);
        assertTrue(bytes > 0);
        ComputationGraph back = PackedModelFile.read(uri).toGraph();
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        assertEquals(g.outputSingle(false, x), back.outputSingle(false, x));
        assertEquals("sparse-0.50", m.encodings().get("conv2_W"));
        assertEquals("dense", m.encodings().get("fc1_W"));
    }

    @Test
    void rejectsCorruptTruncatedAndForeignFiles() {
        Map<String, TensorEncoding> t = Map.of("w", new DenseTensor(new long[]{3}, new float[]{1, 2, 3}));
        byte[] good = PackedModelFile.toBytes(new PackedModel("{}", t, Map.of()));
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(flipped, "f"))
                .getMessage().contains("checksum"));
        byte[] cut = Arrays.copyOf(good, good.length - 5);
        assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(cut, "f"));
        byte[] zip = {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0};
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PackedModelFile.fromBytes(zip, "m.zip"))
                .getMessage().contains("PFPK"));
    }

    @Test
    void rejectsEncodingsThatDoNotFitTheNetwork() {
        ComputationGraph g = Architecture.LENET.factory().create(MNIST, 10, 5);
        var wrongShape = Map.<String, TensorEncoding>of("fc1_W", new DenseTensor(new long[]{2}, new float[2]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PackedModel.of(g, wrongShape, Map.of()))
                .getMessage().contains("shape"));
        var unknown = Map.<String, TensorEncoding>of("nope_W", new DenseTensor(new long[]{2}, new float[2]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PackedModel.of(g, unknown, Map.of()))
                .getMessage().contains("no parameter"));
        assertThrows(IllegalArgumentException.class,
                () -> UniformTensor.of(new long[]{4}, 17, 0, new float[4], new float[4], new int[4]));
        assertThrows(IllegalArgumentException.class,
                () -> CodebookTensor.of(new long[]{4}, 0, new float[1], new int[4]));
    }
}
