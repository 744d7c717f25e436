package org.pocketflow.worker.data.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.pocketflow.worker.data.DatasetException;

/** The TFRecord framing and the Example codec, against bytes fixed by the published format. */
class TfRecordsTest {

    @Test
    void framesRoundTripAndMatchTheFormatsBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecords.write(out, "abc".getBytes());
        TfRecords.write(out, new byte[0]);
        byte[] file = out.toByteArray();
        // length 3 as uint64 little-endian, then masked CRC-32C of those 8 bytes
        assertEquals("0300000000000000", HexFormat.of().formatHex(file, 0, 8));
        assertEquals(8 + 4 + 3 + 4 + 8 + 4 + 0 + 4, file.length);
        try (TfRecords.Reader r = new TfRecords.Reader(new ByteArrayInputStream(file), "f")) {
            assertArrayEquals("abc".getBytes(), r.next());
            assertArrayEquals(new byte[0], r.next());
            assertNull(r.next());
        }
        assertEquals(2, TfRecords.count(new ByteArrayInputStream(file), "f"));
    }

    @Test
    void theMaskIsTensorFlows() {
        // CRC-32C("123456789") = 0xE3069283 (RFC 3720); masked = rotr15 + 0xa282ead8
        int crc = 0xE3069283;
        int masked = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
        assertEquals(masked, TfRecords.masked("123456789".getBytes(), 0, 9));
    }

    @Test
    void aFlippedByteOrATruncationIsReportedWithTheFileAndRecord() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecords.write(out, "first".getBytes());
        TfRecords.write(out, "second".getBytes());
        byte[] file = out.toByteArray();
        byte[] flipped = file.clone();
        flipped[file.length - 6] ^= 1;
        try (TfRecords.Reader r = new TfRecords.Reader(new ByteArrayInputStream(flipped), "shard-x")) {
            r.next();
            DatasetException e = assertThrows(DatasetException.class, r::next);
            assertTrue(e.getMessage().contains("shard-x") && e.getMessage().contains("record 1"), e.getMessage());
        }
        byte[] torn = java.util.Arrays.copyOf(file, file.length - 3);
        try (TfRecords.Reader r = new TfRecords.Reader(new ByteArrayInputStream(torn), "shard-y")) {
            r.next();
            EOFException e = assertThrows(EOFException.class, r::next);
            assertTrue(e.getMessage().contains("shard-y") && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void examplesRoundTripAndBrokenOnesAreRefused() {
        byte[] image = {1, 2, 3, (byte) 0xFF};
        ExampleCodec.Labelled back = ExampleCodec.decode(ExampleCodec.encode(image, 417), "r");
        assertArrayEquals(image, back.image());
        assertEquals(417, back.label());
        byte[] encoded = ExampleCodec.encode(image, 3);
        DatasetException e = assertThrows(DatasetException.class,
                () -> ExampleCodec.decode(java.util.Arrays.copyOf(encoded, encoded.length - 2), "shard record 5"));
        assertTrue(e.getMessage().contains("shard record 5"), e.getMessage());
        assertThrows(DatasetException.class, () -> ExampleCodec.decode(new byte[0], "empty"));
    }
}
