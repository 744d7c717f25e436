package org.pocketflow.worker.learn.quant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.learn.Knob;

/**
 * Meets an average-bits budget by construction while keeping the shape of a preference: the
 * preferred bits of every layer are shifted by one common offset {@code t} (then rounded and
 * clamped to each knob), {@code t} the largest for which the parameter-weighted average stays
 * within the budget (found by bisection: the average never decreases as {@code t} grows); the
 * bits the rounding left unused are then handed out one at a time to the layers whose shifted
 * preference was rounded down the most, while the budget allows. A preference above the budget
 * is lowered evenly (HAQ lowers its agent's bit widths until the constraint holds, Wang et al.
 * 2019, section 3.3), one below it is raised evenly, so a search is never penalised for
 * proposing fewer bits than it may spend. Equal preferences give the uniform allocation.
 */
final class BitAllocation {
    private static final int BISECTION_STEPS = 60;

    private BitAllocation() {
    }

    /**
     * @param knobs     one per layer, in order
     * @param sizes     per knob name, the weights it governs
     * @param preferred per knob name, preferred bits (missing: the knob's maximum)
     * @param budget    the largest allowed parameter-weighted average
     */
    static Map<String, Double> meet(List<Knob> knobs, Map<String, Long> sizes, Map<String, Double> preferred,
                                    double budget, String learner) {
        int n = knobs.size();
        double[] pref = new double[n];
        long[] size = new long[n];
        long total = 0;
        double floor = 0;
        for (int i = 0; i < n; i++) {
            Knob k = knobs.get(i);
            pref[i] = k.check(preferred.getOrDefault(k.name(), k.hi()), learner);
            size[i] = sizes.get(k.name());
            total += size[i];
            floor += k.lo() * size[i];
        }
        if (floor / total > budget + 1e-9) {
            throw new IllegalArgumentException(learner + ": no setting meets an average of " + budget
                    + " bits; the fewest bits per layer give " + String.format("%.3f", floor / total)
                    + ". Fix: raise pocketflow.learn.average-bits to at least that");
        }
        double lo = -16;
        double hi = 16;
        for (int it = 0; it < BISECTION_STEPS; it++) {
            double mid = (lo + hi) / 2;
            if (average(shifted(knobs, pref, mid), size, total) <= budget + 1e-9) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        int[] bits = shifted(knobs, pref, lo);
        double sum = average(bits, size, total) * total;
        while (true) {
            int pick = -1;
            double bestGap = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                double gap = pref[i] + lo - bits[i];
                if (bits[i] < knobs.get(i).hi() && sum + size[i] <= budget * total + 1e-9 && gap > bestGap) {
                    pick = i;
                    bestGap = gap;
                }
            }
            if (pick < 0) {
                break;
            }
            bits[pick]++;
            sum += size[pick];
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(knobs.get(i).name(), (double) bits[i]);
        }
        return out;
    }

    private static int[] shifted(List<Knob> knobs, double[] pref, double t) {
        int[] bits = new int[pref.length];
        for (int i = 0; i < pref.length; i++) {
            Knob k = knobs.get(i);
            bits[i] = (int) Math.max(k.lo(), Math.min(k.hi(), Math.floor(pref[i] + t + 0.5)));
        }
        return bits;
    }

    private static double average(int[] bits, long[] size, long total) {
        double sum = 0;
        for (int i = 0; i < bits.length; i++) {
            sum += (double) bits[i] * size[i];
        }
        return sum / total;
    }
}
