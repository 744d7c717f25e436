package org.pocketflow.driver.report;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Training and fine-tuning curves: mean training loss and validation accuracy per epoch, for
 * the base model's training and the compressed model's fine-tuning (each on its own epoch axis).
 */
final class CurveSection {
    private CurveSection() {
    }

    static void append(StringBuilder b, JsonNode report) {
        JsonNode training = report.at("/baseline/epochs");
        JsonNode fineTuning = SummarySection.result(report).path("fineTuneEpochs");
        if (training.size() == 0 && fineTuning.size() == 0) {
            return;
        }
        b.append("<h2>Training and fine-tuning</h2>\n<p class=\"note\">");
        b.append(training.size() == 0 ? "The base model was given, not trained. "
                : "Base model: " + training.size() + " epoch(s). ");
        if (fineTuning.size() > 0) {
            b.append("Fine-tuning of the compressed model: ").append(fineTuning.size()).append(" epoch(s).");
        } else {
            b.append(report.has("study") ? "Each trial of the study was fine-tuned and reports only its objective "
                    + "(see the search progress)." : SummarySection.result(report).has("fineTuning")
                    ? "The compressed model was fine-tuned through the parameter server, which records no per-epoch "
                    + "curve." : "No fine-tuning ran.");
        }
        b.append("</p>\n<div class=\"charts\">");
        b.append(ReportCharts.chart("Training loss per epoch", "epoch", "mean minibatch loss", List.of(
                ReportCharts.Series.line("base model training", points(training, "meanLoss", 1), ReportCharts.BLUE),
                ReportCharts.Series.line("fine-tuning", points(fineTuning, "meanLoss", 1), ReportCharts.ORANGE)),
                x -> String.valueOf(Math.round(x))));
        List<double[]> baseAcc = points(training, "validationAccuracy", 100);
        List<double[]> tuneAcc = points(fineTuning, "validationAccuracy", 100);
        if (!baseAcc.isEmpty() || !tuneAcc.isEmpty()) {
            b.append(ReportCharts.chart("Validation accuracy per epoch", "epoch", "validation accuracy, %", List.of(
                    ReportCharts.Series.line("base model training", baseAcc, ReportCharts.BLUE),
                    ReportCharts.Series.line("fine-tuning", tuneAcc, ReportCharts.ORANGE)),
                    x -> String.valueOf(Math.round(x))));
        }
        b.append("</div>\n");
    }

    private static List<double[]> points(JsonNode epochs, String field, double scale) {
        List<double[]> p = new ArrayList<>();
        for (JsonNode e : epochs) {
            double v = Html.number(e.get(field));
            if (!Double.isNaN(v)) {
                p.add(new double[]{e.path("epoch").asInt(), scale * v});
            }
        }
        return p;
    }
}
