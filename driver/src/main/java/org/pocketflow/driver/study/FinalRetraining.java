package org.pocketflow.driver.study;

import java.util.LinkedHashMap;
import java.util.Map;

import org.pocketflow.driver.distributed.TrialServer;
import org.pocketflow.worker.task.TrialResult;

/**
 * The {@code finalRetraining} section of {@code report.json}: the study's winner before (its last
 * rung in the study) and after its retraining on {@code pocketflow.search.final-workers} through
 * the parameter server, and the retraining's speed. The test accuracy (of the model written as
 * {@code model.pfpk}) is added by the caller, the one look at the test split.
 */
final class FinalRetraining {
    /** Folder of the retrained checkpoint in the run directory. */
    static final String FOLDER = "final";
    /** Spark job group of the retraining's workers. */
    static final String GROUP = "pocketflow-final-retraining";

    private FinalRetraining() {
    }

    static Map<String, Object> section(StudySettings s, TrialRecord best, TrialServer.Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", best.trial());
        m.put("epochs", s.finalEpochs());
        m.put("workers", s.finalWorkers());
        m.put("status", o.result().status());
        if (!o.result().reason().isEmpty()) {
            m.put("reason", o.result().reason());
        }
        m.put("seconds", o.seconds());
        m.put("samplesPerSecond", o.samplesPerSecond());
        m.put("before", side(best.result()));
        m.put("after", side(o.result()));
        return m;
    }

    private static Map<String, Object> side(TrialResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("validationAccuracy", r.validationAccuracy());
        m.put("macs", r.macs());
        m.put("packedBytes", r.packedBytes());
        m.put("checkpoint", r.checkpoint());
        return m;
    }
}
