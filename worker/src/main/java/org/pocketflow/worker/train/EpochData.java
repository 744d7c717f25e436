package org.pocketflow.worker.train;

import java.util.Iterator;

import org.nd4j.linalg.dataset.DataSet;

/**
 * Training data as a trainer sees it: one pass of minibatches per epoch, in an order that is a
 * pure function of the epoch number (and the data's own seed), so a run can be replayed.
 */
public interface EpochData {
    /** The minibatches of epoch {@code epoch} (0-based). */
    Iterator<DataSet> epoch(int epoch);

    /** Images per epoch. */
    long size();
}
