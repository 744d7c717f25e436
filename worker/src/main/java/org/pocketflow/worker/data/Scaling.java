package org.pocketflow.worker.data;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * The pixel scaling a job asks for ({@code pocketflow.data.normalization}, {@code .mean},
 * {@code .std}), turned into a {@link Normalizer} on the executor once the training split and
 * the user's model are at hand. Immutable; built on the driver and shipped inside the task.
 *
 * <p>Modes: {@code fit} fits per-channel mean and std of {@code x / 255} on the training split;
 * {@code unit} is {@code x / 255}; {@code none} keeps the raw 0..255 values; {@code mean-std}
 * uses the given per-channel values (on the {@code x / 255} scale). When the mode was not set
 * explicitly and the user's model zip carries a DL4J normalizer, that normalizer wins.
 *
 * @param mode     {@code fit}, {@code unit}, {@code none} or {@code mean-std}
 * @param mean     per-channel means for {@code mean-std} (empty otherwise)
 * @param std      per-channel standard deviations for {@code mean-std} (empty otherwise)
 * @param explicit whether the user set the mode; if not, a DL4J normalizer in the model zip wins
 */
public record Scaling(String mode, List<Double> mean, List<Double> std, boolean explicit) implements Serializable {
    /** Today's default: fitted on the training split, not set explicitly. */
    public static final Scaling FIT = new Scaling("fit", List.of(), List.of(), false);

    /** Checks the mode and, for {@code mean-std}, that there is one std per mean. */
    public Scaling {
        if (!List.of("fit", "unit", "none", "mean-std").contains(mode)) {
            throw new IllegalArgumentException("pocketflow.data.normalization = " + mode
                    + ": must be one of fit, unit, none, mean-std");
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (mode.equals("mean-std") && (mean.isEmpty() || mean.size() != std.size())) {
            throw new IllegalArgumentException("pocketflow.data.normalization = mean-std needs one "
                    + "pocketflow.data.std per pocketflow.data.mean, but got " + mean.size() + " means and "
                    + std.size() + " stds. Fix: give both as comma-separated lists of the same length");
        }
    }

    /**
     * Parses the comma-separated list of a {@code mean}/{@code std} key.
     *
     * @param text e.g. {@code 0.485, 0.456, 0.406}; blank gives an empty list
     * @return the numbers in order
     */
    public static List<Double> parseList(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(text.split(",")).map(String::strip).map(Double::valueOf).toList();
    }

    /**
     * A problem with this scaling for images of {@code channels} channels, or empty when it fits.
     *
     * @param channels the data's channels (1 grey, 3 RGB)
     * @return one line naming the keys, the values and the fix
     */
    public Optional<String> problemFor(int channels) {
        if (!mode.equals("mean-std") || mean.size() == channels) {
            return Optional.empty();
        }
        return Optional.of("pocketflow.data.mean = " + mean + " and pocketflow.data.std = " + std + " have "
                + mean.size() + " values, but the data's images have " + channels + " channel"
                + (channels == 1 ? "" : "s") + ". Fix: give " + channels + " comma-separated value"
                + (channels == 1 ? "" : "s") + " to each (on the x/255 scale)");
    }

    /**
     * The normalizer for this job.
     *
     * @param train     the training split, fitted on in {@code fit} mode
     * @param fromModel the DL4J normalizer stored in the user's model zip, translated
     * @return the model's normalizer when the mode was left at its default and there is one; else the mode's
     */
    public Normalizer resolve(ImageSet train, Optional<Normalizer> fromModel) {
        if (!explicit && fromModel.isPresent()) {
            return fromModel.get();
        }
        return switch (mode) {
            case "unit" -> Normalizer.UNIT;
            case "none" -> Normalizer.NONE;
            case "mean-std" -> Normalizer.perChannel(mean.stream().mapToDouble(Double::doubleValue).toArray(),
                    std.stream().mapToDouble(Double::doubleValue).toArray(), "mean-std");
            default -> Normalizer.fit(train);
        };
    }
}
