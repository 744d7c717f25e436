package org.pocketflow.driver.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The report's first table: the base model and the result side by side (test and validation
 * accuracy, multiply-adds, parameters, file size, latency) with the change, so a reader sees in
 * one glance what the compression bought and what it cost.
 */
final class SummarySection {
    private SummarySection() {
    }

    /** The compressed result: a study's winner, else the compression job's model; missing node when none. */
    static JsonNode result(JsonNode report) {
        if (report.hasNonNull("compressed")) {
            return report.get("compressed");
        }
        return report.path("baseline").path("compressed");
    }

    static void append(StringBuilder b, JsonNode report) {
        JsonNode base = report.path("baseline");
        JsonNode c = result(report);
        boolean hasResult = !c.isMissingNode() && !c.isNull();
        b.append("<h2>Summary</h2>\n");
        if (base.isMissingNode()) {
            b.append("<p class=\"note\">The job stopped before the base model was ready: nothing to compare.</p>\n");
            return;
        }
        b.append("<table class=\"summary\"><tr><th></th><th>base model</th>");
        if (hasResult) {
            b.append("<th>compressed (").append(Html.escape(c.path("learner").asText("result"))).append(")</th>")
                    .append("<th>change</th>");
        }
        b.append("</tr>\n");
        line(b, hasResult, "model", Html.escape(base.path("model").asText()),
                hasResult ? Html.escape(fileName(c.path("packedFile").asText())) : "", "");
        double baseAcc = Html.number(base.get("testAccuracy"));
        double acc = Html.number(c.get("testAccuracy"));
        line(b, hasResult, "test accuracy", Html.percent(baseAcc), Html.percent(acc), points(acc - baseAcc));
        double baseVal = Html.number(base.get("validationAccuracy"));
        double val = Html.number(c.get("validationAccuracy"));
        line(b, hasResult, "validation accuracy", Html.percent(baseVal), Html.percent(val), points(val - baseVal));
        lessIsBetter(b, hasResult, "multiply-adds per image", Html.number(base.get("macs")), Html.number(c.get("macs")),
                Html::count, "fewer", "more");
        lessIsBetter(b, hasResult, "parameters", Html.number(base.get("parameters")),
                Html.number(c.get("parameters")), Html::count, "fewer", "more");
        lessIsBetter(b, hasResult, "file bytes (base: DL4J zip; compressed: model.pfpk)",
                Html.number(base.get("serializedBytes")), Html.number(c.get("packedBytes")), Html::count, "smaller",
                "larger");
        double base1 = Html.number(base.at("/latency/batch1Millis"));
        lessIsBetter(b, hasResult, "latency, batch 1", base1, Html.number(c.at("/latency/batch1Millis")),
                Html::millis, "faster", "slower");
        double base64 = Html.number(base.at("/latency/batch64Millis"));
        lessIsBetter(b, hasResult, "latency, batch 64", base64, Html.number(c.at("/latency/batch64Millis")),
                Html::millis, "faster", "slower");
        if (c.has("inferenceLatency")) {
            double f64 = Html.number(c.at("/inferenceLatency/batch64Millis"));
            line(b, true, "latency, batch 64, batch norms folded (inference.zip)", "", Html.millis(f64),
                    better(Html.factor(base64, f64, "faster", "slower"), f64 <= base64));
        }
        JsonNode ort = c.at("/onnx/onnxLatency");
        if (ort.isObject()) {
            // the deployment path: the same compressed network in ONNX Runtime, against the base model in DL4J
            lessIsBetter(b, true, "latency, batch 1, ONNX Runtime (model.onnx)", base1,
                    Html.number(ort.get("batch1Millis")), Html::millis, "faster", "slower");
            lessIsBetter(b, true, "latency, batch 64, ONNX Runtime (model.onnx)", base64,
                    Html.number(ort.get("batch64Millis")), Html::millis, "faster", "slower");
        }
        b.append("</table>\n<p class=\"note\">Accuracies on the test set (");
        b.append(Html.count(Html.number(base.at("/dataset/test")))).append(" images) and the validation split (")
                .append(Html.count(Html.number(base.at("/dataset/validation"))))
                .append(" images held out of training). Latencies are single measurements on this run's machine.</p>\n");
        JsonNode ft = c.path("fineTuning");
        if (ft.isObject()) {
            b.append("<p class=\"note\">Fine-tuned for ").append(ft.path("epochs").asInt()).append(" epoch(s) on ")
                    .append(ft.path("workers").asInt()).append(" workers through the parameter server (codec ")
                    .append(Html.escape(ft.path("codec").asText()))
                    .append(String.format(java.util.Locale.ROOT, "): %.1f s, %.0f samples/s.</p>\n",
                            Html.number(ft.get("seconds")), Html.number(ft.get("samplesPerSecond"))));
        }
    }

    private static void line(StringBuilder b, boolean hasResult, String label, String base, String result,
                             String change) {
        b.append("<tr><td>").append(Html.escape(label)).append("</td><td>").append(base).append("</td>");
        if (hasResult) {
            b.append("<td>").append(result).append("</td><td>").append(change).append("</td>");
        }
        b.append("</tr>\n");
    }

    private static String fileName(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    private static String points(double delta) {
        if (Double.isNaN(delta)) {
            return "";
        }
        return better(String.format(java.util.Locale.ROOT, "%+.2f points", 100 * delta), delta >= 0);
    }

    /** A row of a figure where less is better (multiply-adds, bytes, time): the change as a factor. */
    private static void lessIsBetter(StringBuilder b, boolean hasResult, String label, double base, double value,
            java.util.function.DoubleFunction<String> format, String fewer, String more) {
        line(b, hasResult, label, format.apply(base), format.apply(value),
                better(Html.factor(base, value, fewer, more), value <= base));
    }

    private static String better(String text, boolean good) {
        return text.isEmpty() ? "" : "<span class=\"" + (good ? "better" : "worse") + "\">" + text + "</span>";
    }
}
