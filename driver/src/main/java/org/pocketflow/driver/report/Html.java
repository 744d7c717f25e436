package org.pocketflow.driver.report;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/** Escaping and number formats of {@code report.html}: plain strings, no template engine. */
final class Html {
    private Html() {
    }

    /** {@code s} safe inside an element or a quoted attribute. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A number of the report (numbers may arrive as the strings "NaN" or "Infinity"); NaN when absent. */
    static double number(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Double.NaN;
        }
        return n.isNumber() ? n.asDouble() : n.asDouble(Double.NaN);
    }

    static String percent(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    static String count(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,d", Math.round(v));
    }

    static String millis(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.3f ms", v);
    }

    /** 2,293,000 as "2.29 M", 14,767 as "14.8 k". */
    static String compact(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.3g G", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.3g M", v / 1e6);
        }
        if (a >= 1e3) {
            return String.format(Locale.ROOT, "%.3g k", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** "2.10x smaller" for a ratio of 2.1 (old over new), "1.20x larger" below 1. */
    static String factor(double oldValue, double newValue, String smaller, String larger) {
        if (Double.isNaN(oldValue) || Double.isNaN(newValue) || newValue <= 0 || oldValue <= 0) {
            return "";
        }
        double r = oldValue / newValue;
        return r >= 1 ? String.format(Locale.ROOT, "%.2fx %s", r, smaller)
                : String.format(Locale.ROOT, "%.2fx %s", 1 / r, larger);
    }

    /** The text of a report value for a table cell. */
    static String text(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "—";
        }
        if (n.isFloatingPointNumber()) {
            return String.format(Locale.ROOT, "%.4g", n.asDouble());
        }
        return escape(n.isValueNode() ? n.asText() : n.toString());
    }
}
