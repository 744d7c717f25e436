package org.pocketflow.conf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigLayeringTest {

    @TempDir
    Path dir;

    @Test
    void everyKeyHasItsDeclaredDefaultWhenNothingIsSet() {
        JobConfig config = new Jobs(dir).load(Optional.empty());
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (key != DataKeys.URI && key != RunKeys.RUN_ROOT && key != SearchKeys.SAMPLER) {
                assertEquals(key.defaultValue(), config.get(key), key.name());
                assertEquals("default", config.origin(key), key.name());
            }
        }
        assertEquals("file:" + Path.of("runs").toAbsolutePath(), config.get(RunKeys.RUN_ROOT),
                "a relative default is qualified like any other local path");
        assertEquals("none", config.get(SearchKeys.SAMPLER), "auto without pocketflow.search.trials: no study");
    }

    @Test
    void theAutoSamplerIsTpeWhenTheJobAsksForTrialsAndIsRecordedResolved() {
        Jobs jobs = new Jobs(dir);
        assertEquals("tpe", jobs.load("pocketflow.search.trials=8").get(SearchKeys.SAMPLER));
        assertEquals("tpe", jobs.load(jobs.write("study.conf", "pocketflow.search { trials = 8 }\n"))
                .get(SearchKeys.SAMPLER), "trials set in the job file");
        assertEquals("tpe", jobs.load("pocketflow.search.sampler=auto", "pocketflow.search.trials=8")
                .get(SearchKeys.SAMPLER));
        assertEquals("none", jobs.load("pocketflow.search.parallelism=4").get(SearchKeys.SAMPLER),
                "only the trial count asks for a study");
        assertEquals("random", jobs.load("pocketflow.search.sampler=random").get(SearchKeys.SAMPLER));
        assertEquals("none", jobs.load("pocketflow.search.sampler=none", "pocketflow.search.trials=8")
                .get(SearchKeys.SAMPLER), "an explicit none wins");
        // a resumed job reloads job.conf, where every key is set, trials included, and the sampler recorded resolved
        assertEquals("none", jobs.load().resolved().get(SearchKeys.SAMPLER.name()));
        assertEquals("none", jobs.load(jobs.write("job.conf", "pocketflow.search.sampler = \"none\"\n"
                + "pocketflow.search.trials = \"20\"\n")).get(SearchKeys.SAMPLER));
    }

    @Test
    void overridesWinOverJobFileWhichWinsOverDefaults() {
        Jobs jobs = new Jobs(dir);
        Path job = jobs.write("a.conf", "pocketflow.train { epochs = 3, batch-size = 32 }\n");
        JobConfig config = jobs.load(job, "pocketflow.train.epochs=7");

        assertEquals(7, config.get(TrainKeys.EPOCHS));
        assertEquals("override", config.origin(TrainKeys.EPOCHS));
        assertEquals(32, config.get(TrainKeys.BATCH_SIZE));
        assertEquals("job file", config.origin(TrainKeys.BATCH_SIZE));
        assertEquals(TrainKeys.LEARNING_RATE.defaultValue(), config.get(TrainKeys.LEARNING_RATE));
        assertEquals("default", config.origin(TrainKeys.LEARNING_RATE));
        assertEquals(Optional.of(job.toString()), config.jobFile());
    }

    @Test
    void laterOverrideOfTheSameKeyWins() {
        JobConfig config = new Jobs(dir).load("pocketflow.seed=1", "pocketflow.seed=2");
        assertEquals(2L, config.get(RunKeys.SEED));
    }

    @Test
    void sparkKeysPassThroughVerbatimAndOverridesWin() {
        Jobs jobs = new Jobs(dir);
        Path job = jobs.write("a.conf", "spark { executor.memory = 4g, executor.cores = 2 }\n"
                + "spark.memory.fraction = 0.6\n");
        JobConfig config = jobs.load(job, "spark.executor.cores=4", "spark.ui.enabled=false");

        assertEquals(Map.of("spark.executor.memory", "4g", "spark.executor.cores", "4",
                "spark.memory.fraction", "0.6", "spark.ui.enabled", "false"), config.sparkConf());
        assertFalse(config.resolved().keySet().stream().anyMatch(k -> k.startsWith("spark.")));
    }

    @Test
    void resolvedListsEveryKeySortedAsText() {
        JobConfig config = new Jobs(dir).load("pocketflow.train.weight-decay=1e-4");
        Map<String, String> resolved = config.resolved();

        assertEquals(ConfigKeys.all().size(), resolved.size());
        assertEquals(resolved.keySet().stream().sorted().toList(), resolved.keySet().stream().toList());
        assertEquals("0.0001", resolved.get(TrainKeys.WEIGHT_DECAY.name()));
        assertEquals("local[*]", resolved.get(RuntimeKeys.SPARK_MASTER.name()));
    }

    @Test
    void jobFileMayUseSubstitutionsFromItselfDefaultsAndEnvironment() {
        Jobs jobs = new Jobs(dir);
        Path job = jobs.write("a.conf", "pocketflow.train.log-every-steps = ${pocketflow.train.epochs}\n"
                + "pocketflow.train.epochs = 12\n"
                + "pocketflow.run.root = ${?HOME}\"/runs\"\n");
        JobConfig config = jobs.load(job);

        assertEquals(12, config.get(TrainKeys.LOG_EVERY_STEPS));
        assertTrue(config.get(RunKeys.RUN_ROOT).endsWith("/runs"));
    }

    @Test
    void acceptsLocalDataAsPlainPathOrFileUriAndSkipsHadoopUris() throws Exception {
        Jobs jobs = new Jobs(dir);
        Path model = Files.createFile(dir.resolve("model.zip"));
        assertEquals("file:" + model, jobs.load("pocketflow.model.path=" + model).get(ModelKeys.PATH));
        assertEquals(model.toUri().toString(),
                jobs.load("pocketflow.model.path=" + model.toUri()).get(ModelKeys.PATH));
        assertEquals("hdfs://nn:8020/pf/fashion", jobs.load("pocketflow.data.uri=hdfs://nn:8020/pf/fashion")
                .get(DataKeys.URI));
        assertEquals("s3a://bucket/model.zip", jobs.load("pocketflow.model.path=s3a://bucket/model.zip")
                .get(ModelKeys.PATH));
    }

    @Test
    void typedValuesComeFromTextOrHoconLiterals() {
        Jobs jobs = new Jobs(dir);
        Path job = jobs.write("a.conf", "pocketflow.train.epochs = \"5\"\npocketflow.runtime.onednn = false\n"
                + "pocketflow.train.momentum = 0\n");
        JobConfig config = jobs.load(job, "pocketflow.seed=-7", "pocketflow.data.validation-fraction=0.25");

        assertEquals(5, config.get(TrainKeys.EPOCHS));
        assertEquals(false, config.get(RuntimeKeys.ONEDNN));
        assertEquals(0.0, config.get(TrainKeys.MOMENTUM));
        assertEquals(-7L, config.get(RunKeys.SEED));
        assertEquals(0.25, config.get(DataKeys.VALIDATION_FRACTION));
    }

    @Test
    void getRejectsAKeyThatIsNotRegistered() {
        ConfigKey<Integer> stray = ConfigKey.integer("pocketflow.stray.key", 1, "Not registered.",
                Validators.any());
        JobConfig config = new Jobs(dir).load();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.get(stray));
        assertTrue(e.getMessage().contains("pocketflow.stray.key") && e.getMessage().contains("Fix"));
    }
}
