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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(RungCheckpoints.class);
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

    /**
     * Removes {@code folder} and its files, if it is there. Best effort: it is called once the rung's
     * result is packed, and a folder that cannot be removed must not turn a finished rung into a
     * failed one, so a failure is logged and returned instead of thrown.
     *
     * @return why the folder could not be removed, or empty when it is gone
     */
    static Optional<String> remove(Path folder) {
        if (!Files.exists(folder)) {
            return Optional.empty();
        }
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
            return Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            String why = "cannot remove the finished rung's checkpoint folder " + folder + " (" + e + "); remove it by hand";
            LOG.warn(why);
            return Optional.of(why);
        }
    }
}
