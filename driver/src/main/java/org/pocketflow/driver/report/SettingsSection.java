package org.pocketflow.driver.report;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The winner's per-layer settings (preserve ratio, bits or sparsity per knob), beside the
 * uniform candidate's when a study has one, with each layer's cost in the base model, and how
 * every parameter tensor is stored in the packed file.
 */
final class SettingsSection {
    private SettingsSection() {
    }

    static void append(StringBuilder b, JsonNode report) {
        JsonNode c = SummarySection.result(report);
        JsonNode settings = c.path("settings");
        if (!settings.isObject() || settings.isEmpty()) {
            return;
        }
        JsonNode uniform = report.at("/study/uniform/settings");
        boolean withUniform = uniform.isObject() && !uniform.isEmpty();
        Map<String, JsonNode> layers = new HashMap<>();
        for (JsonNode l : report.at("/baseline/layers")) {
            layers.put(l.path("name").asText(), l);
        }
        b.append("<h2>Per-layer settings of the result</h2>\n<p class=\"note\">Learner <b>")
                .append(Html.escape(c.path("learner").asText())).append("</b>. A knob is named after its layer ")
                .append("(prefixed by the learner in a chain); its value is the fraction of channels kept, the bits ")
                .append("or the sparsity the learner applied.</p>\n<table><tr><th>knob</th><th>value</th>");
        if (withUniform) {
            b.append("<th>uniform candidate</th>");
        }
        b.append("<th>layer kind</th><th>base parameters</th><th>base multiply-adds</th></tr>\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = settings.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String knob = e.getKey();
            JsonNode layer = layers.getOrDefault(knob.substring(knob.indexOf(':') + 1), null);
            b.append("<tr><td>").append(Html.escape(knob)).append("</td><td>").append(Html.text(e.getValue()))
                    .append("</td>");
            if (withUniform) {
                b.append("<td>").append(Html.text(uniform.get(knob))).append("</td>");
            }
            b.append("<td class=\"l\">").append(layer == null ? "—" : Html.escape(layer.path("kind").asText()))
                    .append("</td><td>").append(layer == null ? "—" : Html.count(Html.number(layer.get("parameters"))))
                    .append("</td><td>").append(layer == null ? "—" : Html.count(Html.number(layer.get("macs"))))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n");
        JsonNode encodings = c.path("encodings");
        if (encodings.isObject() && !encodings.isEmpty()) {
            b.append("<details><summary>How each tensor is stored in model.pfpk</summary><table>")
                    .append("<tr><th>tensor</th><th>encoding</th></tr>");
            for (Iterator<Map.Entry<String, JsonNode>> it = encodings.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                b.append("<tr><td>").append(Html.escape(e.getKey())).append("</td><td class=\"l\">")
                        .append(Html.text(e.getValue())).append("</td></tr>");
            }
            b.append("</table></details>\n");
        }
    }
}
