package org.pocketflow.worker.export;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.IOException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The sections of a version-2 packed model file: {@code u8 coding | i32 raw length | i32 stored
 * length | stored bytes}, where coding 0 stores the bytes as they are, coding 1 deflates them
 * and coding 2 deflates them with a preset dictionary that the section's reader and writer both
 * know. The writer picks the smallest, so no section is ever larger than its raw bytes plus the
 * nine header bytes.
 */
final class Sections {
    static final int STORED = 0;
    static final int DEFLATED = 1;
    static final int DEFLATED_WITH_DICTIONARY = 2;

    private Sections() {
    }

    /**
     * Writes {@code raw} as one section in its smallest coding.
     *
     * @param dictionary a preset dictionary to try as well, or null
     */
    static void write(DataOutput out, byte[] raw, byte[] dictionary) throws IOException {
        int coding = STORED;
        byte[] stored = raw;
        byte[] deflated = deflate(raw, null);
        if (deflated.length < stored.length) {
            coding = DEFLATED;
            stored = deflated;
        }
        if (dictionary != null) {
            byte[] withDictionary = deflate(raw, dictionary);
            if (withDictionary.length < stored.length) {
                coding = DEFLATED_WITH_DICTIONARY;
                stored = withDictionary;
            }
        }
        out.writeByte(coding);
        out.writeInt(raw.length);
        out.writeInt(stored.length);
        out.write(stored);
    }

    /**
     * Reads one section written by {@link #write}.
     *
     * @param name       names the section in errors
     * @param maxRaw     the largest raw length accepted
     * @param dictionary the dictionary the writer was given, or null
     */
    static byte[] read(DataInputStream in, String name, int maxRaw, byte[] dictionary) throws IOException {
        int coding = in.readUnsignedByte();
        int rawLength = in.readInt();
        int storedLength = in.readInt();
        if (rawLength < 0 || rawLength > maxRaw || storedLength < 0 || storedLength > maxRaw) {
            throw new IOException(name + " section of " + rawLength + " bytes (" + storedLength
                    + " stored) out of range");
        }
        if (storedLength > in.available()) {
            throw new IOException(name + " section of " + storedLength + " bytes but only " + in.available()
                    + " left in the file (truncated)");
        }
        byte[] stored = new byte[storedLength];
        in.readFully(stored);
        return switch (coding) {
            case STORED -> {
                if (storedLength != rawLength) {
                    throw new IOException(name + " section stores " + storedLength + " bytes but claims " + rawLength);
                }
                yield stored;
            }
            case DEFLATED -> inflate(stored, rawLength, name, null);
            case DEFLATED_WITH_DICTIONARY -> {
                if (dictionary == null) {
                    throw new IOException(name + " section is deflated with a dictionary, which this section has not");
                }
                yield inflate(stored, rawLength, name, dictionary);
            }
            default -> throw new IOException(name + " section has unknown coding " + coding
                    + " (this reader knows 0 stored, 1 deflated, 2 deflated with a dictionary)");
        };
    }

    static byte[] deflate(byte[] raw, byte[] dictionary) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        if (dictionary != null) {
            d.setDictionary(dictionary);
        }
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        while (!d.finished()) {
            out.write(chunk, 0, d.deflate(chunk));
        }
        d.end();
        return out.toByteArray();
    }

    /** Inflates exactly {@code rawLength} bytes, growing the buffer as data arrives rather than trusting the length up front. */
    static byte[] inflate(byte[] deflated, int rawLength, String name, byte[] dictionary) throws IOException {
        Inflater inf = new Inflater();
        inf.setInput(deflated);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(rawLength, 1 << 20));
        byte[] chunk = new byte[8192];
        try {
            while (!inf.finished()) {
                int n = inf.inflate(chunk);
                if (n == 0 && inf.needsDictionary() && dictionary != null) {
                    inf.setDictionary(dictionary);
                    dictionary = null;
                    continue;
                }
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                if (out.size() + n > rawLength) {
                    throw new IOException(name + " inflates to more than " + rawLength + " bytes");
                }
                out.write(chunk, 0, n);
            }
            if (!inf.finished() || out.size() != rawLength || inf.getRemaining() != 0) {
                throw new IOException(name + " inflates to " + out.size() + " bytes, expected " + rawLength);
            }
        } catch (DataFormatException e) {
            throw new IOException(name + " is not valid deflate data", e);
        } finally {
            inf.end();
        }
        return out.toByteArray();
    }
}
