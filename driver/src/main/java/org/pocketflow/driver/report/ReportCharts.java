package org.pocketflow.driver.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;

/**
 * The charts of {@code report.html}: XChart scatter and line charts painted headless into
 * PNG images at twice their displayed size and embedded as {@code data:} URIs, so the page
 * needs no network. (XChart's SVG output draws every glyph as a path: 160 KB per chart against
 * about 40 KB for the PNG.) Colours are fixed per role so that a reader (and the
 * test that screenshots the page) finds the same colour for the same thing in every chart.
 */
final class ReportCharts {
    /** Every trial, or the first series of a curve chart. */
    static final Color BLUE = new Color(0x1f, 0x77, 0xb4);
    /** The Pareto front, or the second series of a curve chart. */
    static final Color ORANGE = new Color(0xff, 0x7f, 0x0e);
    /** The uniform candidate (trial 0). */
    static final Color RED = new Color(0xd6, 0x27, 0x28);
    /** The winner. */
    static final Color GREEN = new Color(0x2c, 0xa0, 0x2c);
    private static final int WIDTH = 560;
    private static final int HEIGHT = 340;
    /** Pixels per CSS pixel: charts stay sharp on high-density screens and when zoomed. */
    private static final int SCALE = 2;

    static {
        // XChart measures text with AWT; no display is needed or wanted on a driver
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ReportCharts() {
    }

    /** One series: a name, its points, how it is drawn. */
    record Series(String name, List<double[]> points, Color color, boolean line, boolean markers) {
        static Series markers(String name, List<double[]> points, Color color) {
            return new Series(name, points, color, false, true);
        }

        static Series line(String name, List<double[]> points, Color color) {
            return new Series(name, points, color, true, true);
        }

        static Series plainLine(String name, List<double[]> points, Color color) {
            return new Series(name, points, color, true, false);
        }
    }

    /** Tick labels with as many decimals as the axis's span needs, no more. */
    static Function<Double, String> decimals(List<Series> series, int axis) {
        double span = span(series, axis);
        int digits = span >= 20 ? 0 : span >= 2 ? 1 : span >= 0.2 ? 2 : 3;
        return v -> String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** Tick labels for counts (multiply-adds, bytes): "1.15 M", or every digit when the values differ only in them. */
    static Function<Double, String> counts(List<Series> series) {
        double max = series.stream().flatMap(s -> s.points().stream()).mapToDouble(p -> Math.abs(p[0])).max().orElse(0);
        return span(series, 0) < 0.01 * max ? v -> String.format(Locale.ROOT, "%,.0f", v) : Html::compact;
    }

    private static double span(List<Series> series, int axis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                lo = Math.min(lo, p[axis]);
                hi = Math.max(hi, p[axis]);
            }
        }
        return hi > lo ? hi - lo : 0;
    }

    /**
     * An XY chart as an {@code <img>} element holding its PNG.
     *
     * @param xFormat  tick labels of the x axis
     */
    static String chart(String title, String xTitle, String yTitle, List<Series> series,
                        Function<Double, String> xFormat) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(chart);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(xFormat);
        chart.getStyler().setyAxisTickLabelsFormattingFunction(decimals(series, 1));
        for (Series s : series) {
            if (s.points().isEmpty()) {
                continue;
            }
            double[] x = s.points().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = s.points().stream().mapToDouble(p -> p[1]).toArray();
            XYSeries xy = chart.addSeries(s.name(), x, y);
            xy.setXYSeriesRenderStyle(s.line() ? XYSeries.XYSeriesRenderStyle.Line : XYSeries.XYSeriesRenderStyle.Scatter);
            xy.setLineColor(s.color());
            xy.setMarkerColor(s.color());
            xy.setLineStyle(new BasicStroke(2f));
            xy.setMarker(s.markers() ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return img(chart, title);
    }

    private static void style(XYChart chart) {
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartTitleBoxVisible(false);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setMarkerSize(9);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setPlotGridLinesColor(new Color(0xe0, 0xe0, 0xe0));
    }

    private static String img(XYChart chart, String title) {
        BufferedImage image = new BufferedImage(SCALE * WIDTH, SCALE * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.scale(SCALE, SCALE);
            chart.paint(g, WIDTH, HEIGHT);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the chart " + title, e);
        }
        return "<img class=\"chart\" alt=\"" + Html.escape(title) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(out.toByteArray()) + "\">";
    }
}
