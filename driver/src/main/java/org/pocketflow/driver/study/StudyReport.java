package org.pocketflow.driver.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.task.TrialResult;

/** The {@code study} section of {@code report.json}: counts, overhead, best, uniform, Pareto front, every trial. */
final class StudyReport {
    private StudyReport() {
    }

    static Map<String, Object> section(StudySettings s, StudyOutcome o, String storeUri) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", s.sampler());
        m.put("earlyStopping", s.earlyStopping());
        m.put("trialsPlanned", s.trials());
        m.put("parallelism", s.parallelism());
        m.put("workersPerTrial", s.workersPerTrial());
        m.put("session", o.session());
        m.put("trialsStartedThisSession", o.trialsStarted());
        m.put("sparkJobsThisSession", o.jobsSubmitted());
        Map<String, Object> counts = new LinkedHashMap<>();
        for (TrialState st : TrialState.values()) {
            counts.put(st.name().toLowerCase(java.util.Locale.ROOT), o.count(st));
        }
        m.put("counts", counts);
        m.put("schedulingOverheadSeconds", overhead(o.overheadSeconds()));
        o.best().ifPresent(b -> m.put("best", trial(b)));
        o.trials().stream().filter(t -> t.trial() == 0 && s.includeUniform() && t.state() == TrialState.COMPLETE)
                .findFirst().ifPresent(u -> m.put("uniform", trial(u)));
        m.put("paretoFront", ParetoFront.of(o.trials()).stream().map(t -> Map.of("trial", t.trial(),
                "validationAccuracy", t.objective(), "macs", t.result().macs(), "packedBytes",
                t.result().packedBytes())).toList());
        m.put("trials", o.trials().stream().map(StudyReport::trial).toList());
        m.put("trialStore", storeUri);
        m.put("stopReason", o.stopReason());
        return m;
    }

    /** One trial's line of the report. */
    static Map<String, Object> trial(TrialRecord t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", t.trial());
        m.put("state", t.state().name());
        m.put("rungsDone", t.rung() + 1);
        m.put("validationAccuracy", t.objective());
        TrialResult r = t.result();
        if (r != null && TrialResult.COMPLETE.equals(r.status())) {
            m.put("macs", r.macs());
            m.put("parameters", r.parameters());
            m.put("packedBytes", r.packedBytes());
            m.put("latency", r.latency());
            m.put("settings", r.settings());
        }
        m.put("point", t.point());
        if (!t.reason().isEmpty()) {
            m.put("reason", t.reason());
        }
        return m;
    }

    private static Map<String, Object> overhead(List<Double> seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobs", seconds.size());
        if (seconds.isEmpty()) {
            return m;
        }
        List<Double> sorted = new ArrayList<>(seconds);
        sorted.sort(Double::compare);
        m.put("mean", sorted.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        m.put("median", sorted.get(sorted.size() / 2));
        m.put("max", sorted.get(sorted.size() - 1));
        return m;
    }
}
