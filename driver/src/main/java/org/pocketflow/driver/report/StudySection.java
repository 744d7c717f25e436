package org.pocketflow.driver.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A study's part of the report: validation accuracy against multiply-adds, packed bytes and
 * latency with each plane's Pareto front (no other trial is both more accurate and cheaper), the
 * uniform candidate (trial 0) and the winner marked; the search progress (each trial's objective
 * and the best so far); the table of trials.
 */
final class StudySection {
    private StudySection() {
    }

    static void append(StringBuilder b, JsonNode report) {
        JsonNode study = report.path("study");
        if (study.isMissingNode()) {
            return;
        }
        List<JsonNode> complete = new ArrayList<>();
        for (JsonNode t : study.path("trials")) {
            if ("COMPLETE".equals(t.path("state").asText()) && t.has("macs")) {
                complete.add(t);
            }
        }
        int uniform = study.has("uniform") ? study.at("/uniform/trial").asInt() : -1;
        int best = study.has("best") ? study.at("/best/trial").asInt() : -1;
        b.append("<h2>Study: Pareto fronts</h2>\n<p class=\"note\">")
                .append(Html.escape(study.path("sampler").asText())).append(" sampler, ")
                .append(complete.size()).append(" of ").append(study.path("trials").size())
                .append(" trials complete. Each point is a trial; the front joins the trials that no other trial beats "
                        + "on both axes. Accuracy is the study's objective, on the validation split.</p>\n");
        if (complete.isEmpty()) {
            b.append("<p class=\"note\">No trial completed, so there is no front.</p>\n");
        } else {
            b.append("<div class=\"charts\">");
            b.append(pareto("Accuracy vs multiply-adds", "multiply-adds per image", complete,
                    t -> Html.number(t.get("macs")), uniform, best));
            b.append(pareto("Accuracy vs packed bytes", "model.pfpk bytes", complete,
                    t -> Html.number(t.get("packedBytes")), uniform, best));
            b.append(pareto("Accuracy vs latency (batch 1)", "latency, ms", complete,
                    t -> Html.number(t.at("/latency/batch1Millis")), uniform, best));
            b.append("</div>\n");
        }
        appendProgress(b, study);
        appendTrials(b, study, uniform, best);
    }

    private static String pareto(String title, String xTitle, List<JsonNode> trials, ToDoubleFunction<JsonNode> cost,
                                 int uniform, int best) {
        List<double[]> all = new ArrayList<>();
        List<double[]> uniformPoint = new ArrayList<>();
        List<double[]> bestPoint = new ArrayList<>();
        for (JsonNode t : trials) {
            double[] p = {cost.applyAsDouble(t), 100 * Html.number(t.get("validationAccuracy"))};
            if (Double.isNaN(p[0]) || Double.isNaN(p[1])) {
                continue;
            }
            all.add(p);
            int n = t.path("trial").asInt();
            if (n == uniform) {
                uniformPoint.add(p);
            }
            if (n == best) {
                bestPoint.add(p);
            }
        }
        List<ReportCharts.Series> series = List.of(
                ReportCharts.Series.markers("trials", all, ReportCharts.BLUE),
                ReportCharts.Series.line("Pareto front", front(all), ReportCharts.ORANGE),
                ReportCharts.Series.markers("uniform (trial " + uniform + ")", uniformPoint, ReportCharts.RED),
                ReportCharts.Series.markers("winner (trial " + best + ")", bestPoint, ReportCharts.GREEN));
        return ReportCharts.chart(title, xTitle, "validation accuracy, %", series, ReportCharts.counts(series));
    }

    /** The points no other point beats on both lower x and higher y, by increasing x. */
    static List<double[]> front(List<double[]> points) {
        List<double[]> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> -p[1]));
        List<double[]> front = new ArrayList<>();
        double bestY = Double.NEGATIVE_INFINITY;
        for (double[] p : sorted) {
            if (p[1] > bestY) {
                front.add(p);
                bestY = p[1];
            }
        }
        return front;
    }

    private static void appendProgress(StringBuilder b, JsonNode study) {
        List<double[]> objective = new ArrayList<>();
        List<double[]> bestSoFar = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        List<JsonNode> trials = new ArrayList<>();
        study.path("trials").forEach(trials::add);
        trials.sort(Comparator.comparingInt(t -> t.path("trial").asInt()));
        for (JsonNode t : trials) {
            double v = Html.number(t.get("validationAccuracy"));
            if (Double.isNaN(v) || !"COMPLETE".equals(t.path("state").asText())) {
                continue;
            }
            double x = t.path("trial").asInt();
            objective.add(new double[]{x, 100 * v});
            if (100 * v > best) {
                if (!bestSoFar.isEmpty()) {
                    bestSoFar.add(new double[]{x, best});
                }
                best = 100 * v;
            }
            bestSoFar.add(new double[]{x, best});
        }
        b.append("<h2>Study: search progress</h2>\n");
        if (objective.isEmpty()) {
            b.append("<p class=\"note\">No trial reported an objective.</p>\n");
            return;
        }
        b.append("<div class=\"charts\">").append(ReportCharts.chart("Objective per trial", "trial",
                "validation accuracy, %", List.of(
                        ReportCharts.Series.plainLine("best so far", bestSoFar, ReportCharts.ORANGE),
                        ReportCharts.Series.markers("trial objective", objective, ReportCharts.BLUE)),
                x -> String.valueOf(Math.round(x)))).append("</div>\n");
    }

    private static void appendTrials(StringBuilder b, JsonNode study, int uniform, int best) {
        b.append("<details open><summary>Every trial</summary><table><tr><th>trial</th><th>state</th>")
                .append("<th>validation accuracy</th><th>multiply-adds</th><th>packed bytes</th>")
                .append("<th>latency, batch 1</th><th>note</th></tr>\n");
        for (JsonNode t : study.path("trials")) {
            int n = t.path("trial").asInt();
            String note = n == best ? "winner" : n == uniform ? "uniform settings" : "";
            if (t.hasNonNull("reason")) {
                note = (note.isEmpty() ? "" : note + "; ") + t.get("reason").asText();
            }
            b.append("<tr><td>").append(n).append("</td><td>").append(Html.escape(t.path("state").asText()))
                    .append("</td><td>").append(Html.percent(Html.number(t.get("validationAccuracy"))))
                    .append("</td><td>").append(Html.count(Html.number(t.get("macs"))))
                    .append("</td><td>").append(Html.count(Html.number(t.get("packedBytes"))))
                    .append("</td><td>").append(Html.millis(Html.number(t.at("/latency/batch1Millis"))))
                    .append("</td><td class=\"l\">").append(Html.escape(note)).append("</td></tr>\n");
        }
        b.append("</table></details>\n");
    }
}
