package org.pocketflow.driver.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.PocketFlowMain;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * report.html from real jobs (a small study, a failed job) and from hand-written reports; the
 * study's page is rendered by headless Chromium the way a person sees it and checked for ink
 * and for the charts' series colours.
 */
class HtmlReportTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static final Pattern CHART = Pattern.compile("<img class=\"chart\" alt=\"([^\"]*)\" src=\"data:image/png;base64,");

    private static int run(String... args) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(sink, true, StandardCharsets.UTF_8);
        java.lang.reflect.Method run = PocketFlowMain.class.getDeclaredMethod("run", String[].class, PrintStream.class,
                PrintStream.class);
        run.setAccessible(true);
        return (int) run.invoke(null, args, p, p);
    }

    private static List<String> charts(String html) {
        List<String> titles = new ArrayList<>();
        Matcher m = CHART.matcher(html);
        while (m.find()) {
            titles.add(m.group(1));
        }
        return titles;
    }

    private static void needData() {
        boolean present = Files.isDirectory(Path.of(DATA));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, "Fashion-MNIST must be installed in CI (apt-get install dataset-fashion-mnist)");
        }
        assumeTrue(present, "Fashion-MNIST not installed");
    }

    private static String chromium() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : new String[]{"chromium", "chromium-browser"}) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium is missing; CI installs it (apt-get install -y chromium)");
        }
        assumeTrue(false, "chromium not installed");
        return null;
    }

    private static BufferedImage screenshot(Path html, Path png) throws Exception {
        Process p = new ProcessBuilder(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--screenshot=" + png, "--window-size=1280,2000", html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(png.resolveSibling("chromium.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, p.exitValue(), Files.readString(png.resolveSibling("chromium.log")));
        return ImageIO.read(png.toFile());
    }

    private static long pixelsNear(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 0xFF) - c.getRed()) <= 8 && Math.abs(((rgb >> 8) & 0xFF) - c.getGreen()) <= 8
                        && Math.abs((rgb & 0xFF) - c.getBlue()) <= 8) {
                    n++;
                }
            }
        }
        return n;
    }

    private static double luminanceVariance(BufferedImage img) {
        double sum = 0;
        double sq = 0;
        long n = (long) img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                double l = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                sum += l;
                sq += l * l;
            }
        }
        double mean = sum / n;
        return sq / n - mean * mean;
    }

    @Test
    void studyReportShowsFrontsProgressCurvesAndRendersInChromium(@TempDir Path tmp) throws Exception {
        needData();
        Path runDir = tmp.resolve("study");
        assertEquals(0, run("run", "--conf", "pocketflow.spark.master=local[2]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=2000", "--conf", "pocketflow.data.test-limit=500",
                "--conf", "pocketflow.train.epochs=2", "--conf", "pocketflow.eval.latency-warmup=2",
                "--conf", "pocketflow.eval.latency-iterations=3", "--conf", "pocketflow.learn.algorithm=channel-pruning",
                "--conf", "pocketflow.learn.mac-fraction=0.5", "--conf", "pocketflow.learn.fine-tune-epochs=1",
                "--conf", "pocketflow.search.sampler=random", "--conf", "pocketflow.search.trials=3",
                "--conf", "pocketflow.seed=5"));
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        assertEquals(2, report.at("/baseline/epochs").size());
        assertTrue(report.at("/baseline/epochs/1/validationAccuracy").asDouble() > 0.5, report.at("/baseline/epochs").toString());
        Path page = runDir.resolve(HtmlReport.FILE);
        String html = Files.readString(page);
        assertEquals(List.of("Accuracy vs multiply-adds", "Accuracy vs packed bytes", "Accuracy vs latency (batch 1)",
                "Objective per trial", "Training loss per epoch", "Validation accuracy per epoch"), charts(html));
        assertTrue(html.indexOf("<h2>Summary") < html.indexOf("<h2>Study: Pareto"), "the summary comes first");
        assertTrue(html.contains("uniform (trial 0)") || html.contains("uniform settings"), "uniform candidate marked");
        assertTrue(html.contains(report.at("/provenance/datasetSha256").asText()), "provenance: dataset hash");
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing is fetched at view time");
        assertFalse(Files.exists(runDir.resolve("." + HtmlReport.FILE + ".tmp")), "the temporary file is renamed away");

        BufferedImage shot = screenshot(page, tmp.resolve("report.png"));
        assertTrue(luminanceVariance(shot) > 100, "the page is not blank: variance " + luminanceVariance(shot));
        for (Color c : new Color[]{ReportCharts.BLUE, ReportCharts.ORANGE, ReportCharts.RED, ReportCharts.GREEN}) {
            assertTrue(pixelsNear(shot, c) > 30, "series colour " + c + " is drawn: " + pixelsNear(shot, c) + " pixels");
        }
    }

    @Test
    void failedJobReportLeadsWithTheError(@TempDir Path tmp) throws Exception {
        needData();
        Path runDir = tmp.resolve("failed");
        // a budget no allocation reaches fails on the executor, after the base model was trained
        assertEquals(1, run("run", "--conf", "pocketflow.spark.master=local[1]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=500", "--conf", "pocketflow.data.test-limit=200",
                "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.eval.latency-iterations=2",
                "--conf", "pocketflow.learn.algorithm=channel-pruning", "--conf", "pocketflow.learn.mac-fraction=0.05"));
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        assertEquals("failed", report.get("status").asText());
        String html = Files.readString(runDir.resolve(HtmlReport.FILE));
        int error = html.indexOf("<div class=\"error\">");
        assertTrue(error > 0 && error < html.indexOf("<h2>"), "the error comes before every section");
        assertTrue(html.contains(Html.escape(report.get("error").asText())), html.substring(error, error + 300));
        assertTrue(html.contains("status failed"));
    }

    @Test
    void compressionJobShowsBothModelsSideBySideWithFineTuningCurves() throws Exception {
        JsonNode report = Json.MAPPER.readTree("""
                {"job":"q","status":"succeeded","runDir":"file:/tmp/q","wallSeconds":12.5,
                 "provenance":{"seed":3,"datasetSha256":"abc","versions":{"java.version":"17"}},
                 "baseline":{"model":"lenet","testAccuracy":0.9,"validationAccuracy":"NaN","macs":2293000,
                   "parameters":431080,"serializedBytes":1600000,"latency":{"batch1Millis":1.0,"batch64Millis":4.0},
                   "epochs":[{"epoch":1,"meanLoss":0.9,"validationAccuracy":0.8},{"epoch":2,"meanLoss":0.5,"validationAccuracy":0.85}],
                   "layers":[{"name":"fc1","kind":"DenseLayer","parameters":400500,"macs":400000}],
                   "compressed":{"learner":"uniform-quant","settings":{"fc1":4.0},"testAccuracy":0.91,
                     "macs":2293000,"parameters":431080,"packedBytes":220000,"latency":{"batch1Millis":1.1,"batch64Millis":4.2},
                     "encodings":{"fc1_W":"uniform-4"},"packedFile":"file:/tmp/q/model.pfpk",
                     "fineTuneEpochs":[{"epoch":1,"meanLoss":0.4,"validationAccuracy":0.88}]}}}
                """);
        String html = HtmlReport.render(report);
        assertEquals(List.of("Training loss per epoch", "Validation accuracy per epoch"), charts(html));
        assertTrue(html.contains("<th>compressed (uniform-quant)</th>"));
        assertTrue(html.contains("90.00%") && html.contains("91.00%") && html.contains("+1.00 points"));
        assertTrue(html.contains("7.27x smaller"), "1,600,000 / 220,000 bytes");
        assertTrue(html.contains("<td>fc1</td><td>4.000</td>"), "per-layer settings");
        assertTrue(html.contains("uniform-4"), "per-tensor encodings");
        assertFalse(html.contains("Study:"), "no study, no study sections");
        assertTrue(html.contains("compression job"));
        assertFalse(html.contains("ONNX Runtime"), "no model.onnx, no ONNX Runtime rows");

        ((com.fasterxml.jackson.databind.node.ObjectNode) report.at("/baseline/compressed")).set("onnx", Json.MAPPER
                .readTree("{\"status\":\"ok\",\"onnxLatency\":{\"batch1Millis\":0.25,\"batch64Millis\":2.0}}"));
        String withOnnx = HtmlReport.render(report);
        assertTrue(withOnnx.contains("latency, batch 1, ONNX Runtime (model.onnx)"), "ONNX Runtime beside DL4J");
        assertTrue(withOnnx.contains("4.00x faster"), "base 1.0 ms in DL4J against 0.25 ms in ONNX Runtime");
        assertTrue(withOnnx.contains("latency, batch 64, ONNX Runtime (model.onnx)") && withOnnx.contains("2.00x faster"));
        assertTrue(withOnnx.contains("<td>latency, batch 1</td>"), "DL4J's row stays");
    }

    @Test
    void paretoFrontKeepsOnlyUnbeatenPoints() {
        List<double[]> front = StudySection.front(List.of(new double[]{3, 0.9}, new double[]{1, 0.7},
                new double[]{2, 0.6}, new double[]{2, 0.8}, new double[]{4, 0.85}));
        assertEquals(3, front.size());
        assertEquals(List.of(1.0, 2.0, 3.0), front.stream().map(p -> p[0]).toList());
    }
}
