package org.pocketflow.driver.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import org.pocketflow.worker.task.TrialRequest;

/**
 * Where a rung's parameter server keeps its checkpoints: {@code rung-R.ps/} beside the rung's
 * {@code rung-R.zip} in the trial's folder (or {@code fine-tune/}, {@code final/}), on the
 * driver's local file system only ({@code CheckpointStore} writes through java.nio). A rung run
 * again with the same request, as {@code pocketflow resume} runs an interrupted trial's next rung,
 * finds its server's last checkpoint there and continues from it. The folder is removed once the
 * rung has ended with its network packed; one that cannot be resumed from is set aside as {@code
 * rung-R.ps.refused-<millis>} for a person to look at.
 */
final class RungCheckpoints {
    private RungCheckpoints() {
    }

    /**
     * The folder of {@code req}'s rung, or empty when its trial folder is not on the local file
     * system; {@code req.trialDir()} is an encoded URI ({@code RunDirectory.uri()}).
     */
    static Optional<Path> folder(TrialRequest req) {
        URI uri = URI.create(req.trialDir()); // an encoded URI, as the run directory gives it and AtomicFile reads it
        if (uri.getScheme() != null && !"file".equals(uri.getScheme())) {
            return Optional.empty();
        }
        return Optional.of(Path.of(uri.getPath()).resolve("rung-" + req.rung() + ".ps"));
    }

    /** Moves {@code folder} aside; returns where it went. */
    static Path setAside(Path folder) {
        Path aside = folder.resolveSibling(folder.getFileName() + ".refused-" + System.currentTimeMillis());
        try {
            Files.move(folder, aside);
            return aside;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the refused rung checkpoint folder " + folder + " aside", e);
        }
    }

    /** Removes {@code folder} and its files, if it is there. */
    static void remove(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the finished rung's checkpoint folder " + folder, e);
        }
    }
}
