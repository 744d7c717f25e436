package org.pocketflow.driver.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code report.html}: the human-readable page beside {@code report.json}, rendered from it for
 * every job (baseline, compression, study; failed ones show their error first). One file, no
 * network at view time: plain HTML and CSS, charts as embedded SVG images ({@link ReportCharts}).
 *
 * <p>Order: the summary (base model and result side by side), then the study (Pareto fronts
 * with the uniform candidate marked, search progress, trials), the winner's per-layer settings,
 * the training and fine-tuning curves, and the provenance.
 */
public final class HtmlReport {
    /** The file name in the run directory. */
    public static final String FILE = "report.html";

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;
            max-width:1180px;padding:0 16px;color:#222;line-height:1.4}
            h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;
            padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
            .meta{color:#555;font-size:13px}.status{display:inline-block;padding:2px 10px;border-radius:10px;
            color:#fff;font-size:13px;font-weight:600;vertical-align:middle}
            .succeeded{background:#2ca02c}.failed{background:#d62728}.interrupted,.running{background:#ff7f0e}
            .error{background:#fdecea;border-left:4px solid #d62728;padding:10px 14px;margin:12px 0;
            white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:13px}
            table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
            th,td{border-bottom:1px solid #e4e4e4;padding:4px 12px;text-align:right}
            th{background:#f5f5f5;font-weight:600}td:first-child,th:first-child{text-align:left}
            td.l{text-align:left}.summary td,.summary th{font-size:14px;padding:6px 14px}
            .better{color:#1a7f1a}.worse{color:#b22222}
            .charts{display:flex;flex-wrap:wrap;gap:12px}.chart{width:560px;max-width:100%;border:1px solid #eee}
            .note{color:#555;font-size:13px}details{margin:8px 0}summary{cursor:pointer;color:#1f77b4}
            code{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
            """;

    private HtmlReport() {
    }

    /** The page for {@code report} (the content of {@code report.json}). */
    public static String render(JsonNode report) {
        StringBuilder b = new StringBuilder(64 * 1024);
        String job = report.path("job").asText("job");
        String status = report.path("status").asText("unknown");
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>PocketFlow report: ").append(Html.escape(job)).append("</title><style>")
                .append(STYLE).append("</style></head><body>\n");
        b.append("<h1>PocketFlow report: ").append(Html.escape(job)).append(" <span class=\"status ")
                .append(Html.escape(status)).append("\">").append(Html.escape(status)).append("</span></h1>\n");
        b.append("<div class=\"meta\">").append(Html.escape(kind(report))).append(" · run directory <code>")
                .append(Html.escape(report.path("runDir").asText())).append("</code> · started ")
                .append(Html.escape(instant(report.path("startedAt").asText("—")))).append(" · ")
                .append(String.format(java.util.Locale.ROOT, "%.1f s", Html.number(report.get("wallSeconds"))))
                .append("</div>\n");
        if (report.hasNonNull("error")) {
            b.append("<div class=\"error\"><b>Error:</b> ").append(Html.escape(report.get("error").asText()))
                    .append("</div>\n");
        }
        SummarySection.append(b, report);
        StudySection.append(b, report);
        FinalRetrainingSection.append(b, report);
        SettingsSection.append(b, report);
        CurveSection.append(b, report);
        appendProvenance(b, report);
        b.append("</body></html>\n");
        return b.toString();
    }

    /**
     * Renders {@code report} and writes it to {@value #FILE} in {@code runDirUri} (any Hadoop FS)
     * through a temporary file renamed into place, so a reader never sees half a page.
     */
    public static void write(String runDirUri, JsonNode report) {
        byte[] html = render(report).getBytes(StandardCharsets.UTF_8);
        Path dir = new Path(URI.create(runDirUri));
        Path target = new Path(dir, FILE);
        Path temp = new Path(dir, "." + FILE + ".tmp");
        try {
            FileSystem fs = dir.getFileSystem(new Configuration());
            try (OutputStream out = fs.create(temp, true)) {
                out.write(html);
            }
            if (!fs.rename(temp, target)) {
                fs.delete(target, false);
                if (!fs.rename(temp, target)) {
                    throw new IOException("rename of " + temp + " to " + target + " failed");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    static String kind(JsonNode report) {
        if (report.has("study")) {
            return "study";
        }
        return SummarySection.result(report).isObject() ? "compression job" : "baseline job";
    }

    private static void appendProvenance(StringBuilder b, JsonNode report) {
        JsonNode p = report.path("provenance");
        JsonNode base = report.path("baseline");
        b.append("<h2>Provenance</h2>\n<table>");
        row(b, "seed", Html.text(p.get("seed")));
        row(b, "job file", Html.text(p.get("jobFile")));
        JsonNode d = base.path("dataset");
        if (!d.isMissingNode()) {
            row(b, "dataset", Html.escape(d.path("name").asText()) + " <code>" + Html.escape(d.path("uri").asText())
                    + "</code> (" + Html.count(Html.number(d.get("train"))) + " train, "
                    + Html.count(Html.number(d.get("validation"))) + " validation, "
                    + Html.count(Html.number(d.get("test"))) + " test images)");
        }
        row(b, "dataset SHA-256", "<code>" + Html.text(p.get("datasetSha256")) + "</code>");
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("versions").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            row(b, Html.escape(e.getKey()), Html.text(e.getValue()));
        }
        row(b, "Spark master", Html.text(p.get("sparkMaster")));
        for (Iterator<Map.Entry<String, JsonNode>> it = base.path("backend").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            row(b, "backend " + Html.escape(e.getKey()), Html.text(e.getValue()));
        }
        row(b, "finished", Html.escape(instant(report.path("finishedAt").asText("—"))));
        b.append("</table>\n");
        if (p.has("config")) {
            b.append("<details><summary>Resolved configuration (every key)</summary><table>");
            for (Iterator<Map.Entry<String, JsonNode>> it = p.get("config").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                b.append("<tr><td class=\"l\"><code>").append(Html.escape(e.getKey())).append("</code></td><td class=\"l\">")
                        .append(Html.text(e.getValue())).append("</td></tr>");
            }
            b.append("</table></details>\n");
        }
    }

    /** "2026-12-06T06:10:06.863890941Z" as "2026-12-06 06:10:06 UTC". */
    private static String instant(String iso) {
        return iso.length() >= 19 && iso.endsWith("Z") ? iso.substring(0, 10) + " " + iso.substring(11, 19) + " UTC" : iso;
    }

    static void row(StringBuilder b, String label, String valueHtml) {
        b.append("<tr><td>").append(label).append("</td><td class=\"l\">").append(valueHtml).append("</td></tr>");
    }
}
