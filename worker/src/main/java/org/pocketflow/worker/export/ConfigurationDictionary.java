package org.pocketflow.worker.export;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.Adler32;

/**
 * The preset deflate dictionary of the configuration section of version-2 packed files: the
 * DL4J 1.0.0-M2 configuration JSON of a small reference graph that uses the common layers and
 * vertices. A network's configuration repeats most of it (class names, field names, defaults),
 * so deflate codes those as back-references into the dictionary instead of spelling them out
 * once per file: a few hundred bytes saved, which decide against the DL4J zip on small networks.
 *
 * <p>The dictionary is part of the format: its Adler-32 is fixed here and checked when it is
 * loaded, so a changed resource fails loudly instead of making files unreadable.
 */
final class ConfigurationDictionary {
    private static final String RESOURCE = "configuration-dictionary.json";
    private static final long ADLER32 = 0x9e35f6a1L;
    private static final byte[] BYTES = load();

    private ConfigurationDictionary() {
    }

    /** The dictionary's bytes (shared; callers only read them). */
    static byte[] bytes() {
        return BYTES;
    }

    private static byte[] load() {
        try (InputStream in = ConfigurationDictionary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
            }
            byte[] b = in.readAllBytes();
            Adler32 adler = new Adler32();
            adler.update(b);
            if (adler.getValue() != ADLER32) {
                throw new IllegalStateException("resource " + RESOURCE + " has Adler-32 "
                        + Long.toHexString(adler.getValue()) + ", the format fixes " + Long.toHexString(ADLER32)
                        + "; the dictionary of format version 2 must not change");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
