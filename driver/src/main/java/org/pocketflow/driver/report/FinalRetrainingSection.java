package org.pocketflow.driver.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The study's winner before and after its final retraining on the cluster ({@code
 * finalRetraining} in {@code report.json}): validation accuracy, multiply-adds and packed bytes on
 * each side, the test accuracy after (the one look at the test split), and the retraining's
 * workers, time and throughput.
 */
final class FinalRetrainingSection {
    private FinalRetrainingSection() {
    }

    static void append(StringBuilder b, JsonNode report) {
        JsonNode f = report.path("finalRetraining");
        if (f.isMissingNode()) {
            return;
        }
        b.append("<h2>Final retraining</h2>\n<p class=\"note\">Trial ").append(f.path("trial").asInt())
                .append(", the study's best, retrained from its last checkpoint for ").append(f.path("epochs").asInt())
                .append(" epoch(s) on ").append(f.path("workers").asInt()).append(" worker(s) through the parameter server: ")
                .append(Html.escape(f.path("status").asText()))
                .append(String.format(java.util.Locale.ROOT, ", %.1f s, %.0f samples/s", Html.number(f.get("seconds")),
                        Html.number(f.get("samplesPerSecond"))));
        if (f.has("reason")) {
            b.append(" (").append(Html.escape(f.get("reason").asText())).append(")");
        }
        b.append(".</p>\n<table><tr><th></th><th>validation accuracy</th><th>multiply-adds</th><th>packed bytes</th>")
                .append("<th>test accuracy</th></tr>\n");
        row(b, "before", f.path("before"), Double.NaN);
        row(b, "after", f.path("after"), Html.number(f.get("testAccuracy")));
        b.append("</table>\n");
    }

    private static void row(StringBuilder b, String name, JsonNode side, double test) {
        b.append("<tr><td>").append(name).append("</td><td>").append(Html.percent(Html.number(side.get("validationAccuracy"))))
                .append("</td><td>").append(Html.count(Html.number(side.get("macs")))).append("</td><td>")
                .append(Html.count(Html.number(side.get("packedBytes")))).append("</td><td>")
                .append(Html.percent(test)).append("</td></tr>\n");
    }
}
