package org.pocketflow.tests;

import java.net.URI;

import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under another scheme, {@code pfalias:///path}. Hadoop finds it only through
 * {@code fs.pfalias.impl}, so a job that reads or writes {@code pfalias://} paths proves that its
 * {@code spark.hadoop.*} settings reached the code doing the I/O (driver and executors).
 */
public class AliasFileSystem extends RawLocalFileSystem {
    /** The scheme this file system serves. */
    public static final String SCHEME = "pfalias";
    /** The Spark setting that makes Hadoop's FileSystem API use this class for the scheme. */
    public static final String SPARK_SETTING = "spark.hadoop.fs." + SCHEME + ".impl=" + AliasFileSystem.class.getName();
    /** The same for Hadoop's FileContext API (atomic renames go through it). */
    public static final String SPARK_CONTEXT_SETTING = "spark.hadoop.fs.AbstractFileSystem." + SCHEME + ".impl="
            + Context.class.getName();

    /** The {@link org.apache.hadoop.fs.FileContext} face of the same file system. */
    public static class Context extends org.apache.hadoop.fs.DelegateToFileSystem {
        /** Called by Hadoop with the URI and configuration of the file context. */
        public Context(URI uri, org.apache.hadoop.conf.Configuration conf)
                throws java.io.IOException, java.net.URISyntaxException {
            super(uri, new AliasFileSystem(), conf, SCHEME, false);
        }
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    /** {@code pfalias://} plus the absolute local path. */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath();
    }
}
