package org.pocketflow.conf;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigKeysTest {

    @Test
    void registryNamesAreUnique() {
        Set<String> seen = new HashSet<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(seen.add(key.name()), "declared twice: " + key.name());
        }
    }

    @Test
    void registryIsTheGroupsInOrder() {
        List<ConfigKey<?>> flattened = ConfigKeys.groups().stream().flatMap(g -> g.keys().stream()).toList();
        assertEquals(flattened, ConfigKeys.all());
        assertEquals(TrainKeys.EPOCHS, ConfigKeys.find("pocketflow.train.epochs").orElseThrow());
    }

    @Test
    void everyKeyHasDocAndItsDefaultPassesItsOwnValidator() {
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertFalse(key.doc().isBlank(), key.name());
            assertTrue(key.doc().endsWith("."), "doc should be a sentence: " + key.name());
            assertEquals(Optional.empty(), key.check(key.defaultValue()), key.name());
            assertEquals(Optional.of(key.defaultValue()), key.type().parse(key.renderedDefault()), key.name());
        }
    }

    @Test
    void declaresTheAgreedKeys() {
        assertEquals(78, ConfigKeys.all().size());
        assertEquals(1, LearnKeys.FINE_TUNE_WORKERS.defaultValue());
        assertEquals(50, DistributedKeys.RUNG_CHECKPOINT_EVERY.defaultValue());
        assertEquals("auto", DistributedKeys.CODEC.defaultValue());
        assertEquals("none", LearnKeys.ALGORITHM.defaultValue());
        assertEquals(42L, RunKeys.SEED.defaultValue());
        assertEquals("file:///usr/share/datasets/fashion-mnist", DataKeys.URI.defaultValue());
        assertEquals("0.0005", TrainKeys.WEIGHT_DECAY.renderedDefault());
        assertEquals("one of lenet, resnet20, mobilenet, resnet18, resnet50, mobilenet-v1, mobilenet-v1-0.5", ModelKeys.ARCH.validator().description());
    }

    @Test
    void closestFindsTyposAndMissingPrefixButNotStrangers() {
        assertEquals(Optional.of(TrainKeys.EPOCHS), ConfigKeys.closest("pocketflow.train.epoch"));
        assertEquals(Optional.of(TrainKeys.LEARNING_RATE), ConfigKeys.closest("pocketflow.train.learning_rate"));
        assertEquals(Optional.of(DataKeys.URI), ConfigKeys.closest("data.uri"));
        assertEquals(Optional.empty(), ConfigKeys.closest("spark.executor.memory"));
        assertEquals(Optional.empty(), ConfigKeys.closest("x"));
    }

    @Test
    void rejectsMalformedDeclarations() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigKey.integer("train.epochs", 1, "No prefix.", Validators.any()));
        assertThrows(IllegalArgumentException.class,
                () -> ConfigKey.integer("pocketflow.a.b", 1, " ", Validators.any()));
        assertThrows(IllegalArgumentException.class,
                () -> new ConfigKey<>("pocketflow.a.b", ValueType.BOOLEAN, true, "Exists.", Validators.any(), true));
    }
}
