package org.pocketflow.driver.distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Optional;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;
import org.pocketflow.worker.io.HadoopConf;
import org.pocketflow.worker.task.TrialRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a rung's parameter server keeps its checkpoints: {@code rung-R.ps/} beside the rung's
 * {@code rung-R.zip} in the trial's folder (or {@code fine-tune/}, {@code final/}), on the run
 * directory's own file system (a local folder through java.nio, HDFS or any other Hadoop file
 * system through {@link HadoopCheckpointFolder}), so a driver started again on another host finds
 * them. A rung run again with the same request, as {@code pocketflow resume} runs an interrupted
 * trial's next rung, finds its server's last checkpoint there and continues from it. The folder is
 * removed once the rung has ended with its network packed, or its trial has ended for good; one
 * that cannot be resumed from is set aside as {@code rung-R.ps.refused-<millis>} for a person to
 * look at.
 *
 * @param fs     the run directory's file system
 * @param folder the rung's folder, qualified
 */
record RungCheckpoints(FileSystem fs, Path folder) {
    private static final Logger LOG = LoggerFactory.getLogger(RungCheckpoints.class);

    /** The folder of {@code req}'s rung; {@code req.trialDir()} is an encoded URI ({@code RunDirectory.uri()}). */
    static RungCheckpoints of(TrialRequest req) {
        return of(req.trialDir(), req.rung());
    }

    /** The folder of rung {@code rung} in the trial folder {@code trialDir} (an encoded URI). */
    static RungCheckpoints of(String trialDir, int rung) {
        Path trial = new Path(URI.create(trialDir)); // an encoded URI, as the run directory gives it and AtomicFile reads it
        try {
            FileSystem fs = trial.getFileSystem(HadoopConf.get());
            return new RungCheckpoints(fs, fs.makeQualified(new Path(trial, "rung-" + rung + ".ps")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the file system of " + trialDir + ": " + e.getMessage(), e);
        }
    }

    /** The folder as the server writes it: through java.nio when it is local, through Hadoop otherwise. */
    CheckpointFolder store() {
        return HadoopCheckpointFolder.of(fs, folder);
    }

    /** Whether the folder is there. */
    boolean exists() {
        try {
            return fs.exists(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at the rung checkpoint folder " + this + ": " + e.getMessage(), e);
        }
    }

    /** Moves the folder aside; returns where it went. */
    String setAside() {
        Path aside = new Path(folder.getParent(), folder.getName() + ".refused-" + System.currentTimeMillis());
        try {
            if (!fs.rename(folder, aside)) {
                throw new IOException("rename returned false");
            }
            return display(aside);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the refused rung checkpoint folder " + this + " aside: " + e.getMessage(), e);
        }
    }

    /**
     * Removes the folder and its files, if it is there. Best effort: it is called once the rung's
     * result is packed or its trial has ended, and a folder that cannot be removed must not turn a
     * finished rung into a failed one, so a failure is logged and returned instead of thrown.
     *
     * @return why the folder could not be removed, or empty when it is gone
     */
    Optional<String> remove() {
        try {
            if (fs.exists(folder) && !fs.delete(folder, true) && fs.exists(folder)) {
                throw new IOException("delete returned false");
            }
            return Optional.empty();
        } catch (IOException e) {
            String why = "cannot remove the rung checkpoint folder " + this + " (" + e + "); remove it by hand";
            LOG.warn(why);
            return Optional.of(why);
        }
    }

    /** The folder: a plain path when it is local, its URI otherwise. */
    @Override
    public String toString() {
        return display(folder);
    }

    private boolean isLocal() {
        return "file".equals(folder.toUri().getScheme());
    }

    private String display(Path p) {
        return isLocal() ? java.nio.file.Path.of(p.toUri()).toString() : p.toString();
    }
}
