package org.pocketflow.worker.learn.quant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.learn.Knob;

/**
 * Meets an average-bits budget by construction: each layer starts at its preferred bits
 * (rounded, clamped to its knob), then, while the parameter-weighted average exceeds the budget,
 * the layer with the most bits (the largest on ties) gives up one bit — as HAQ lowers its
 * agent's bit widths until the constraint holds (Wang, Liu, Lin, Lin and Han 2019, section 3.3).
 * The result is the allocation nearest the preference, in this greedy sense, whose average is
 * at most the budget.
 */
final class BitAllocation {
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
        int[] bits = new int[n];
        long[] size = new long[n];
        long total = 0;
        double sum = 0;
        double floor = 0;
        for (int i = 0; i < n; i++) {
            Knob k = knobs.get(i);
            bits[i] = (int) k.check(preferred.getOrDefault(k.name(), k.hi()), learner);
            size[i] = sizes.get(k.name());
            total += size[i];
            sum += (double) bits[i] * size[i];
            floor += k.lo() * size[i];
        }
        if (floor / total > budget + 1e-9) {
            throw new IllegalArgumentException(learner + ": no setting meets an average of " + budget
                    + " bits; the fewest bits per layer give " + String.format("%.3f", floor / total)
                    + ". Fix: raise pocketflow.learn.average-bits to at least that");
        }
        while (sum / total > budget + 1e-9) {
            int pick = -1;
            for (int i = 0; i < n; i++) {
                if (bits[i] > knobs.get(i).lo()
                        && (pick < 0 || bits[i] > bits[pick] || (bits[i] == bits[pick] && size[i] > size[pick]))) {
                    pick = i;
                }
            }
            bits[pick]--;
            sum -= size[pick];
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(knobs.get(i).name(), (double) bits[i]);
        }
        return out;
    }

    /** Parameter-weighted average of {@code bits}. */
    static double average(Map<String, Double> bits, Map<String, Long> sizes) {
        double sum = 0;
        long total = 0;
        for (Map.Entry<String, Double> e : bits.entrySet()) {
            long s = sizes.get(e.getKey());
            sum += e.getValue() * s;
            total += s;
        }
        return total == 0 ? 0 : sum / total;
    }
}
