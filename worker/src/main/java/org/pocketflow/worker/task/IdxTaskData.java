package org.pocketflow.worker.task;

import java.util.Iterator;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.CalibrationSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.train.EpochData;
import org.pocketflow.worker.train.ImageSetEpochs;

/**
 * {@link TaskData} of IDX files, held whole in the heap: the training split as the base model
 * split it, the calibration set its first images (the split's order is already seeded), gathered
 * batch by batch ({@link CalibrationSet}).
 */
final class IdxTaskData implements TaskData {
    private final IdxDataset dataset;
    private final ImageSet.Split split;

    IdxTaskData(IdxDataset dataset, ImageSet.Split split) {
        this.dataset = dataset;
        this.split = split;
    }

    @Override
    public String name() {
        return dataset.name();
    }

    @Override
    public String sha256() {
        return dataset.sha256();
    }

    @Override
    public ImageShape shape() {
        return dataset.shape();
    }

    @Override
    public int classes() {
        return dataset.classes();
    }

    @Override
    public long trainImages() {
        return split.train().size();
    }

    @Override
    public long validationImages() {
        return split.validation().size();
    }

    @Override
    public Normalizer defaultScaling() {
        return Normalizer.fit(split.train());
    }

    @Override
    public DataSet calibration(int images, Normalizer norm) {
        int n = Math.min(images, split.train().size());
        return CalibrationSet.gather(split.train().batchesInOrder(CalibrationSet.BATCH, norm), n, shape(), classes());
    }

    @Override
    public EpochData train(Normalizer norm, int batchSize, long seed) {
        return new ImageSetEpochs(split.train(), norm, batchSize, seed);
    }

    @Override
    public Iterator<DataSet> validation(Normalizer norm) {
        return split.validation().batchesInOrder(EVAL_BATCH, norm);
    }

    @Override
    public Iterator<DataSet> test(Normalizer norm) {
        return dataset.test().batchesInOrder(EVAL_BATCH, norm);
    }

    @Override
    public long corrupt() {
        return 0;
    }
}
