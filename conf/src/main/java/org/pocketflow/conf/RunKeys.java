package org.pocketflow.conf;

import java.util.List;

/** Keys that identify a job and where its run directory goes. */
public final class RunKeys {

    /** Job name, part of the run directory name. */
    public static final ConfigKey<String> JOB_NAME = ConfigKey.string("pocketflow.job.name",
            "quickstart",
            "Name of the job; used in the run directory name <job.name>-<yyyyMMdd-HHmmss>.",
            Validators.matches("[A-Za-z0-9._-]+"));

    /** The one seed of the job. */
    public static final ConfigKey<Long> SEED = ConfigKey.longInteger("pocketflow.seed", 42L,
            "The one random seed; every random stream (data split, shuffling, weight init, search) is split from it.",
            Validators.any());

    /** Parent folder of run directories. */
    public static final ConfigKey<String> RUN_ROOT = ConfigKey.path("pocketflow.run.root", "runs",
            "Parent folder of run directories: a local path or a Hadoop URI such as hdfs://nn:8020/pf/runs.");

    /** Explicit run directory. */
    public static final ConfigKey<String> RUN_DIR = ConfigKey.path("pocketflow.run.dir", "",
            "Explicit run directory; empty = <run.root>/<job.name>-<yyyyMMdd-HHmmss>. It must hold no earlier "
                    + "job: a run directory is never overwritten (`pocketflow resume DIR` continues the job in it).");

    /** Whether local paths are on a file system that every host of the cluster mounts. */
    public static final ConfigKey<Boolean> SHARED_FILESYSTEM = ConfigKey.bool("pocketflow.run.shared-filesystem",
            false,
            "Declares that local (file:) paths - run root, run directory, data, model - are on a file system"
                    + " every cluster host mounts at the same place (e.g. NFS). Without it a master other than"
                    + " local[...] refuses local paths, since executors on other hosts cannot see them.");

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Run", List.of(JOB_NAME, SEED, RUN_ROOT, RUN_DIR,
            SHARED_FILESYSTEM));

    private RunKeys() {
    }
}
