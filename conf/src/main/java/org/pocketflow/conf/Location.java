package org.pocketflow.conf;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tells local paths from Hadoop file-system URIs in {@link ValueType#PATH} values. Only local
 * targets can be checked here; {@code hdfs://} and {@code s3a://} ones are checked by the driver
 * through Hadoop.
 */
final class Location {

    /** A URI scheme of two or more characters, so a Windows drive letter ({@code C:}) is not one. */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:");

    private Location() {
    }

    static boolean hasScheme(String value) {
        return SCHEME.matcher(value).find();
    }

    static boolean isLocal(String value) {
        return !hasScheme(value) || value.toLowerCase(Locale.ROOT).startsWith("file:");
    }

    /**
     * The absolute {@code file:} URI of a local value given as a plain path (relative ones against
     * the working directory); empty for values that already have a scheme.
     */
    static Optional<String> qualified(String value) {
        if (hasScheme(value)) {
            return Optional.empty();
        }
        Path absolute = Path.of(value).toAbsolutePath().normalize();
        try {
            return Optional.of(new URI("file", null, absolute.toString(), null).toString());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("an absolute path is always a valid file URI: " + absolute, e);
        }
    }

    /**
     * The local file-system path of a local value, relative paths against the working directory.
     *
     * @return empty for a {@code file:} URI that names no local path (e.g. {@code file:data})
     */
    static Optional<Path> localPath(String value) {
        if (!hasScheme(value)) {
            return Optional.of(Path.of(value));
        }
        try {
            return Optional.of(Path.of(URI.create(value)));
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
    }
}
