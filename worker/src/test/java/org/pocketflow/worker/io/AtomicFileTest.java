package org.pocketflow.worker.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    /** Writes half a megabyte, then fails as a full disk or a bug in a serializer would. */
    private static final AtomicFile.Content FAILS_HALFWAY = out -> {
        out.write(new byte[512 * 1024]);
        out.flush();
        throw new IOException("injected failure in the middle of the write");
    };

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFileAndNoHalfFile(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("model.zip");
        AtomicFile.write(file.toUri().toString(), "old".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(java.io.UncheckedIOException.class, () -> AtomicFile.write(file.toUri().toString(), FAILS_HALFWAY));
        assertEquals("injected failure in the middle of the write", e.getCause().getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("model.zip"), names(tmp));
    }

    @Test
    void theHadoopPathAlsoLeavesTheOldFileWhenAWriteFails(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("report.json");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(file.toUri());
        AtomicFile.writeHadoop(fs, target, out -> out.write("old".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> AtomicFile.writeHadoop(fs, target, FAILS_HALFWAY));
        assertEquals("old", Files.readString(file));
        AtomicFile.writeHadoop(fs, target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("new", Files.readString(file));
        assertEquals(List.of("report.json"), names(tmp).stream().filter(n -> !n.endsWith(".crc")).toList());
    }

    @Test
    void replacesTheFileAndAStaleChecksumSiblingSoHadoopReadsTheNewBytes(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("model.pfpk");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(file.toUri());
        try (OutputStream out = fs.create(target, true)) { // leaves .model.pfpk.crc
            out.write("written by the checksummed file system".getBytes(StandardCharsets.UTF_8));
        }
        byte[] fresh = "replaced".getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file.toUri().toString(), fresh);
        try (var in = fs.open(target)) {
            assertArrayEquals(fresh, in.readAllBytes());
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void createsMissingParentFoldersAsHadoopDoes(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("trials/00001/rung-0.pfpk");
        AtomicFile.write(file.toUri().toString(), "rung".getBytes(StandardCharsets.UTF_8));
        assertEquals("rung", Files.readString(file));
    }
}
