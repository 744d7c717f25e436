package org.pocketflow.worker.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Reads the DL4J normalizer a user stored in a model zip ({@code ModelSerializer.addNormalizerToModel})
 * and translates it into the equivalent per-channel {@link Normalizer}.
 *
 * <p>The DL4J normalizer is taken to see raw pixel values 0..255, as DL4J's image record readers
 * deliver them. Supported: {@code ImagePreProcessingScaler} (exact), {@code NormalizerStandardize}
 * and {@code NormalizerMinMaxScaler} with per-channel statistics (what DL4J fits on 4-d image
 * features; exact). Statistics per pixel (a normalizer fitted on flattened images) are pooled
 * per channel, and the source says so. Any other normalizer type is refused with the fix.
 */
public final class Dl4jNormalizers {
    private Dl4jNormalizers() {
    }

    /**
     * @param modelUri the user's model zip (local path or Hadoop URI)
     * @param channels the data's channels
     * @return the translated normalizer, or empty when the zip carries none
     */
    public static Optional<Normalizer> read(String modelUri, int channels) {
        HadoopFile file = HadoopFile.resolve(modelUri, HadoopConf.get());
        org.nd4j.linalg.dataset.api.preprocessor.Normalizer<?> stored;
        try (InputStream in = file.open()) {
            stored = ModelSerializer.restoreNormalizerFromInputStream(in);
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot read the DL4J normalizer in " + file + ": " + e.getMessage()
                    + ". Fix: save the model again with ModelSerializer.addNormalizerToModel, or set "
                    + "pocketflow.data.normalization explicitly", e);
        }
        return stored == null ? Optional.empty() : Optional.of(translate(stored, channels));
    }

    /**
     * @param stored   a DL4J normalizer fitted on raw pixel values 0..255
     * @param channels the data's channels
     * @return the same scaling as a {@link Normalizer} on the {@code x / 255} scale
     */
    public static Normalizer translate(org.nd4j.linalg.dataset.api.preprocessor.Normalizer<?> stored, int channels) {
        String source = "dl4j:" + stored.getClass().getSimpleName();
        if (stored instanceof ImagePreProcessingScaler s) {
            // x' = x / maxPixel * (max - min) + min  ==  (x/255 - m) / d
            double d = s.getMaxPixelVal() / (255.0 * (s.getMaxRange() - s.getMinRange()));
            return Normalizer.perChannel(new double[] {0.0 - s.getMinRange() * d}, new double[] {d}, source);
        }
        if (stored instanceof NormalizerStandardize s) {
            // x' = (x - mean) / std  ==  (x/255 - mean/255) / (std/255)
            return perChannel(scaled(s.getMean()), scaled(s.getStd()), channels, source, false);
        }
        if (stored instanceof NormalizerMinMaxScaler s) {
            double[] min = values(s.getMin());
            double[] max = values(s.getMax());
            double[] mean = new double[min.length];
            double[] std = new double[min.length];
            for (int i = 0; i < min.length; i++) {
                // x' = (x - min) * k + targetMin with k = (targetMax - targetMin) / (max - min)
                double k = (s.getTargetMax() - s.getTargetMin()) / (max[i] - min[i]);
                std[i] = 1 / (255 * k);
                mean[i] = std[i] * (min[i] * k - s.getTargetMin());
            }
            return perChannel(mean, std, channels, source, true);
        }
        throw new DatasetException("the model zip carries a DL4J " + stored.getClass().getSimpleName()
                + ", which PocketFlow cannot translate (it knows ImagePreProcessingScaler, NormalizerStandardize, "
                + "NormalizerMinMaxScaler). Fix: set pocketflow.data.normalization explicitly");
    }

    /** Per-channel values as they are, or pooled per channel from per-pixel values (CHW order). */
    private static Normalizer perChannel(double[] mean, double[] std, int channels, String source, boolean affine) {
        if (mean.length == 1 || mean.length == channels) {
            return Normalizer.perChannel(mean, std, source);
        }
        if (mean.length % channels != 0) {
            throw new DatasetException("the model zip's DL4J normalizer has " + mean.length + " statistics, which "
                    + "is neither per channel nor per pixel of " + channels + "-channel images. Fix: set "
                    + "pocketflow.data.normalization explicitly");
        }
        int plane = mean.length / channels;
        double[] m = new double[channels];
        double[] s = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            double squares = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                sum += mean[i];
                // pooled variance: the mean of the per-pixel variances plus the variance of the means
                squares += affine ? std[i] * std[i] : std[i] * std[i] + mean[i] * mean[i];
            }
            m[c] = sum / plane;
            s[c] = affine ? Math.sqrt(squares / plane) : Math.sqrt(squares / plane - m[c] * m[c]);
        }
        return Normalizer.perChannel(m, s, source + " (per pixel, pooled per channel)");
    }

    private static double[] scaled(INDArray a) {
        return java.util.Arrays.stream(values(a)).map(v -> v / 255).toArray();
    }

    private static double[] values(INDArray a) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
    }
}
