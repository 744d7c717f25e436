package org.pocketflow.driver.distributed;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;

/**
 * A parameter server's checkpoint folder on a Hadoop file system (HDFS, or any other the run
 * directory is on): a temporary file is written whole and {@code hsync}ed (on HDFS: on every
 * replica's disk) before {@code FileContext.rename(..., OVERWRITE)} puts it in place in one step,
 * as {@code AtomicFile} writes the run directory's other files.
 *
 * @param fs  the file system
 * @param dir the folder, qualified
 */
record HadoopCheckpointFolder(FileSystem fs, Path dir) implements CheckpointFolder {

    /**
     * The folder {@code dir} (qualified) of {@code fs} as a server writes it: through java.nio
     * when it is on the local file system, through Hadoop otherwise.
     */
    static CheckpointFolder of(FileSystem fs, Path dir) {
        return "file".equals(dir.toUri().getScheme()) ? CheckpointFolder.local(java.nio.file.Path.of(dir.toUri()))
                : new HadoopCheckpointFolder(fs, dir);
    }

    @Override
    public byte[] read(String name) throws IOException {
        Path p = new Path(dir, name);
        if (!fs.exists(p)) {
            return null;
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    @Override
    public boolean exists(String name) throws IOException {
        return fs.exists(new Path(dir, name));
    }

    @Override
    public String writeTemporary(String prefix, byte[] bytes) throws IOException {
        fs.mkdirs(dir);
        String name = prefix + "." + UUID.randomUUID() + ".tmp";
        Path p = new Path(dir, name);
        try (FSDataOutputStream out = fs.create(p, false)) {
            out.write(bytes);
            out.hsync();
        } catch (IOException | RuntimeException e) {
            fs.delete(p, false);
            throw e;
        }
        return name;
    }

    @Override
    public void rename(String from, String to) throws IOException {
        FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(new Path(dir, from), new Path(dir, to),
                Options.Rename.OVERWRITE);
    }

    @Override
    public void delete(String name) throws IOException {
        fs.delete(new Path(dir, name), false);
    }

    @Override
    public String where(String name) {
        return new Path(dir, name).toString();
    }
}
