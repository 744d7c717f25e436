package org.pocketflow.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.pocketflow.worker.distributed.WorkerHook;

/**
 * Halts one executor JVM once in a whole job (as a crash or an OOM kill would): the first worker
 * {@code workerId} to push step {@code afterSteps} on a first task attempt creates {@code halted}
 * in {@code folder} and halts its JVM; the file, shared by every executor of a local cluster, keeps
 * later trials' workers alive. Every retried attempt leaves {@code attempt-W-A} there on its first
 * push, so a test sees a retry that ran in another JVM.
 *
 * @param folder     a folder every executor can write (a local path)
 * @param workerId   the victim
 * @param afterSteps the step after whose push it halts
 */
record HaltOneExecutorOnce(String folder, int workerId, long afterSteps) implements WorkerHook {
    @Override
    public void afterPush(int worker, int attempt, long step) {
        if (attempt > 0) {
            mark("attempt-" + worker + "-" + attempt);
        } else if (worker == workerId && step >= afterSteps && mark("halted")) {
            Runtime.getRuntime().halt(137);
        }
    }

    /** Creates {@code name} in the folder; false when it was already there. */
    private boolean mark(String name) {
        try {
            Files.createFile(Path.of(folder, name));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
