package org.pocketflow.conf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExamplesTest {

    private static final Path EXAMPLES = ConfigDocs.repoRoot().resolve("conf").resolve("examples");

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".conf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleLoadsAndValidatesCleanly(Path example) {
        List<String> overrides = new ArrayList<>();
        if (!Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist"))) {
            overrides.add(DataKeys.URI.name() + "=" + EXAMPLES);
        }
        JobConfig config = JobConfig.load(Optional.of(example.toString()), overrides);
        assertEquals("job file", config.origin(ModelKeys.ARCH));
    }

    @Test
    void examplesSetWhatTheirNamesPromise() {
        JobConfig quick = load("quickstart.conf");
        assertEquals("lenet", quick.get(ModelKeys.ARCH));
        assertEquals(2, quick.get(TrainKeys.EPOCHS));
        assertEquals(0, quick.get(DataKeys.TRAIN_LIMIT));
        assertEquals("channel-pruning+uniform-quant", quick.get(LearnKeys.ALGORITHM));

        assertEquals("tpe", load("lenet-prune-search.conf").get(SearchKeys.SAMPLER));

        assertEquals(15, load("lenet-baseline.conf").get(TrainKeys.EPOCHS));

        JobConfig resnet = load("resnet20-baseline.conf");
        assertEquals("resnet20", resnet.get(ModelKeys.ARCH));
        assertEquals(4, resnet.get(TrainKeys.EPOCHS)); // the recipe measured in the README
        assertEquals(128, resnet.get(TrainKeys.BATCH_SIZE));
        assertEquals(0.1, resnet.get(TrainKeys.LEARNING_RATE));
    }

    private static JobConfig load(String name) {
        return JobConfig.load(Optional.of(EXAMPLES.resolve(name).toString()),
                List.of(DataKeys.URI.name() + "=" + EXAMPLES));
    }
}
