package org.pocketflow.conf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Test fixture: writes job files and loads them with {@code pocketflow.data.uri} pointed at an
 * existing folder, so tests do not depend on the data set being installed.
 */
final class Jobs {

    private final Path dir;

    Jobs(Path dir) {
        this.dir = dir;
    }

    Path write(String name, String hocon) {
        try {
            return Files.writeString(dir.resolve(name), hocon);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads with the data folder set first, so a test's own overrides still win. */
    JobConfig load(Optional<Path> jobFile, String... overrides) {
        List<String> all = new ArrayList<>();
        all.add(DataKeys.URI.name() + "=" + dir);
        all.addAll(List.of(overrides));
        return JobConfig.load(jobFile.map(Path::toString), all);
    }

    JobConfig load(Path jobFile, String... overrides) {
        return load(Optional.of(jobFile), overrides);
    }

    JobConfig load(String... overrides) {
        return load(Optional.empty(), overrides);
    }

    /** The problems of a load that must fail. */
    List<String> problems(Optional<Path> jobFile, String... overrides) {
        return assertThrows(ConfigException.class, () -> load(jobFile, overrides)).problems();
    }

    List<String> problems(String... overrides) {
        return problems(Optional.empty(), overrides);
    }
}
