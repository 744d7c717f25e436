package org.pocketflow.conf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigValidationTest {

    @TempDir
    Path dir;

    private Jobs jobs;

    @BeforeEach
    void setUp() {
        jobs = new Jobs(dir);
    }

    /** The one problem line, checked to name the key, echo the value and say what to do. */
    private static String onlyProblem(List<String> problems, String key, String value, String advice) {
        assertEquals(1, problems.size(), problems.toString());
        String line = problems.get(0);
        assertTrue(line.contains(key), line);
        assertTrue(line.contains(value), line);
        assertTrue(line.contains(advice), line);
        return line;
    }

    @Test
    void unknownKeySuggestsClosest() {
        Path job = jobs.write("a.conf", "pocketflow.train.epoch = 5\n");
        String line = onlyProblem(jobs.problems(Optional.of(job)),
                "pocketflow.train.epoch", job.toString(), "Did you mean pocketflow.train.epochs?");
        assertEquals("pocketflow.train.epoch (in " + job + "): unknown key. Did you mean pocketflow.train.epochs?",
                line);
    }

    @Test
    void unknownKeyWithoutPrefixSuggestsThePrefixedKey() {
        onlyProblem(jobs.problems("train.batch-size=32"), "train.batch-size", "--conf",
                "Did you mean pocketflow.train.batch-size?");
    }

    @Test
    void unknownKeyFarFromAnyKeySaysHowToFix() {
        onlyProblem(jobs.problems("executor.memory=4g"), "executor.memory", "--conf",
                "Fix: remove it or use a key listed in docs/CONFIG.md; Spark settings go under spark.*");
    }

    @Test
    void rejectsWrongType() {
        onlyProblem(jobs.problems("pocketflow.train.epochs=ten"), "pocketflow.train.epochs", "= ten",
                "expected an integer. Fix: set it to a value in [1, 1000] (default 10)");
        onlyProblem(jobs.problems("pocketflow.runtime.onednn=maybe"), "pocketflow.runtime.onednn", "= maybe",
                "expected true or false. Fix");
        onlyProblem(jobs.problems("pocketflow.train.momentum=NaN"), "pocketflow.train.momentum", "= NaN",
                "expected a number. Fix");
        onlyProblem(jobs.problems("pocketflow.train.epochs=2.5"), "pocketflow.train.epochs", "= 2.5",
                "expected an integer. Fix");
        onlyProblem(jobs.problems("pocketflow.seed=x"), "pocketflow.seed", "= x",
                "expected an integer. Fix: set it to an integer (default 42), e.g. --conf pocketflow.seed=42");
    }

    @Test
    void rejectsListWhereAScalarIsExpected() {
        Path job = jobs.write("a.conf", "pocketflow.train.epochs = [1, 2]\n");
        onlyProblem(jobs.problems(Optional.of(job)), "pocketflow.train.epochs", "[1,2]", "expected an integer. Fix");
    }

    @Test
    void rejectsValueOutOfRange() {
        String line = onlyProblem(jobs.problems("pocketflow.train.epochs=0"), "pocketflow.train.epochs", "= 0",
                "Fix");
        assertEquals("pocketflow.train.epochs = 0 (in --conf): must be between 1 and 1000."
                + " Fix: set it to a value in [1, 1000] (default 10), e.g. --conf pocketflow.train.epochs=10", line);
        onlyProblem(jobs.problems("pocketflow.train.learning-rate=0"), "pocketflow.train.learning-rate", "= 0",
                "must be in (0, 10]. Fix: set it to a value in (0, 10] (default 0.02)");
        onlyProblem(jobs.problems("pocketflow.data.train-limit=-1"), "pocketflow.data.train-limit", "= -1",
                "must be >= 0. Fix: set it to a value >= 0 (default 0)");
        onlyProblem(jobs.problems("pocketflow.job.name=my job"), "pocketflow.job.name", "= \"my job\"",
                "must match [A-Za-z0-9._-]+. Fix: set it to a value matching [A-Za-z0-9._-]+");
    }

    @Test
    void rejectsEnumValueNotAllowed() {
        Path job = jobs.write("a.conf", "pocketflow.model.arch = vgg16\n");
        String line = onlyProblem(jobs.problems(Optional.of(job)), "pocketflow.model.arch", "= vgg16", "Fix");
        String archs = "lenet, resnet20, mobilenet, resnet18, resnet50, mobilenet-v1, mobilenet-v1-0.5";
        assertEquals("pocketflow.model.arch = vgg16 (in " + job + "): must be one of " + archs + "."
                + " Fix: set it to one of " + archs + " (default lenet),"
                + " e.g. --conf pocketflow.model.arch=lenet", line);
    }

    @Test
    void rejectsMalformedOverride() {
        onlyProblem(jobs.problems("pocketflow.train.epochs"), "--conf pocketflow.train.epochs",
                "malformed override", "Fix: write it as --conf <key>=<value>, e.g. --conf pocketflow.train.epochs=10");
        onlyProblem(jobs.problems("=5"), "--conf =5", "malformed override", "Fix");
    }

    @Test
    void rejectsMissingJobFile() {
        Path missing = dir.resolve("nope.conf");
        onlyProblem(jobs.problems(Optional.of(missing)), missing.toString(), "job file not found",
                "Fix: pass an existing HOCON file, e.g. conf/examples/quickstart.conf");
        onlyProblem(jobs.problems(Optional.of(dir)), dir.toString(), "is a folder, not a job file", "Fix");
    }

    @Test
    void rejectsUnparsableJobFile() {
        Path job = jobs.write("a.conf", "pocketflow.spark.master = local[*]\n");
        onlyProblem(jobs.problems(Optional.of(job)), job.toString(), "cannot parse the job file",
                "Fix: correct the HOCON syntax");
    }

    @Test
    void rejectsUnresolvableSubstitution() {
        Path job = jobs.write("a.conf", "pocketflow.run.root = ${NO_SUCH_VARIABLE_FOR_PF}\n");
        onlyProblem(jobs.problems(Optional.of(job)), job.toString(), "NO_SUCH_VARIABLE_FOR_PF", "Fix");
    }

    @Test
    void rejectsMissingLocalPath() {
        Path missing = dir.resolve("no-such-model.zip");
        onlyProblem(jobs.problems("pocketflow.model.path=" + missing), "pocketflow.model.path",
                "= " + missing, "file not found");
        String line = onlyProblem(jobs.problems("pocketflow.data.uri=" + missing.toUri()), "pocketflow.data.uri",
                "= " + missing.toUri(), "Fix: point it at an existing local file or folder");
        assertTrue(line.contains("file not found (" + missing + ")"), line);
    }

    @Test
    void rejectsFileUriWithoutALocalPath() {
        onlyProblem(jobs.problems("pocketflow.data.uri=file:data"), "pocketflow.data.uri", "= file:data",
                "Fix: write file:///absolute/path");
    }

    @Test
    void rejectsSparkSettingThatIsAList() {
        Path job = jobs.write("a.conf", "spark.jars = [a.jar, b.jar]\n");
        onlyProblem(jobs.problems(Optional.of(job)), "spark.jars", "expected a single value", "Fix");
    }

    @Test
    void collectsEveryProblemInOneException() {
        Path job = jobs.write("a.conf", "pocketflow.train.epoch = 5\npocketflow.model.arch = vgg16\n");
        ConfigException e = assertThrows(ConfigException.class, () -> jobs.load(job,
                "pocketflow.train.batch-size=0", "pocketflow.seed=x", "oops",
                "pocketflow.model.path=" + dir.resolve("missing.zip")));
        List<String> problems = e.problems();

        assertEquals(6, problems.size(), problems.toString());
        for (String expected : List.of("--conf oops", "pocketflow.train.epoch (in", "pocketflow.model.arch = vgg16",
                "pocketflow.train.batch-size = 0", "pocketflow.seed = x", "pocketflow.model.path = ")) {
            assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), expected + " in " + problems);
        }
        assertTrue(e.getMessage().startsWith("6 configuration problems:"), e.getMessage());
        problems.forEach(p -> assertTrue(e.getMessage().contains(p)));
        assertEquals(2, ConfigException.EXIT_CODE);
    }

    @Test
    void validConfigurationThrowsNothing() throws Exception {
        Path model = Files.createFile(dir.resolve("model.zip"));
        jobs.load("pocketflow.model.path=" + model, "pocketflow.train.epochs=1000");
    }

    @Test
    void relativePathsAreQualifiedBeforeAnythingIsShipped() {
        JobConfig config = jobs.load(Optional.empty(), "pocketflow.run.root=some/runs/../runs");
        String expected = "file:" + Path.of("").toAbsolutePath().resolve("some/runs").normalize();
        assertEquals(expected, config.get(RunKeys.RUN_ROOT));
        assertEquals("file:" + dir.toAbsolutePath().normalize(), config.get(DataKeys.URI));
        assertEquals("", config.get(RunKeys.RUN_DIR), "empty paths stay empty");
        assertEquals("hdfs://nn:8020/pf/runs",
                jobs.load(Optional.empty(), "pocketflow.run.root=hdfs://nn:8020/pf/runs").get(RunKeys.RUN_ROOT));
    }

    @Test
    void localPathsWithAClusterMasterAreRefusedUnlessDeclaredShared() {
        List<String> problems = jobs.problems("pocketflow.spark.master=yarn",
                "pocketflow.data.uri=hdfs://nn:8020/pf/data", "pocketflow.run.root=/tmp/pf-runs");
        String line = onlyProblem(problems, "pocketflow.run.root", "/tmp/pf-runs", "hdfs://");
        assertTrue(line.contains("master yarn") && line.contains("pocketflow.run.shared-filesystem=true"), line);

        assertEquals(2, jobs.problems("pocketflow.spark.master=spark://h:7077", "pocketflow.run.root=/tmp/r").size(),
                "the local data folder and the run root");
        assertEquals("file:/tmp/r", jobs.load(Optional.empty(), "pocketflow.spark.master=spark://h:7077",
                "pocketflow.run.root=/tmp/r", "pocketflow.run.shared-filesystem=true").get(RunKeys.RUN_ROOT));
        assertEquals("file:/tmp/r", jobs.load(Optional.empty(), "pocketflow.spark.master=local-cluster[2,1,1024]",
                "pocketflow.run.root=/tmp/r").get(RunKeys.RUN_ROOT), "local-cluster executors share this host");
        assertEquals("hdfs://nn:8020/pf/runs/one", jobs.load(Optional.empty(), "pocketflow.spark.master=yarn",
                "pocketflow.data.uri=hdfs://nn:8020/pf/data", "pocketflow.run.dir=hdfs://nn:8020/pf/runs/one")
                .get(RunKeys.RUN_DIR), "a run directory given outright replaces the local default root");
    }
}
