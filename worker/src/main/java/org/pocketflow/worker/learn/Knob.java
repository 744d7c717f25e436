package org.pocketflow.worker.learn;

/**
 * One per-layer setting a learner exposes: a channel group's preserve ratio, a layer's weight
 * bits, a layer's sparsity.
 *
 * @param name     the layer (or channel group's first producer) it belongs to
 * @param lo       smallest value
 * @param hi       largest value
 * @param integer  whether only whole numbers are meaningful (bits)
 * @param features the layer's state for sequential samplers (AMC's layer embedding):
 *                 see {@link LayerFeatures}
 */
public record Knob(String name, double lo, double hi, boolean integer, double[] features) {
    public Knob {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("knob " + name + ": lo " + lo + " must be <= hi " + hi);
        }
        features = features.clone();
    }

    @Override
    public double[] features() {
        return features.clone();
    }

    /** {@code value} checked against the range (and rounded when {@code integer}). */
    public double check(double value, String learner) {
        double v = integer ? Math.rint(value) : value;
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(learner + " setting " + name + " = " + value + " is outside ["
                    + fmt(lo) + ", " + fmt(hi) + "]. Fix: choose a value in that range");
        }
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
