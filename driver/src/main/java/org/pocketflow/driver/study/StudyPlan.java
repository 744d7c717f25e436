package org.pocketflow.driver.study;

import java.util.Optional;

import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.Sampler;
import org.pocketflow.driver.search.SearchSpace;
import org.pocketflow.worker.task.TrialRequest;

/**
 * What a {@link TrialScheduler} needs to know about a study besides Spark: where points come
 * from, how a point becomes the request of one of its Spark jobs, and the limits.
 *
 * @param space      the space points belong to
 * @param sampler    proposes every trial's point (after {@code firstPoint})
 * @param firstPoint trial 0's point when given (the uniform settings)
 * @param requests   turns a trial's point and slice into the request of one Spark job
 * @param settings   trials, parallelism, failure limit, time limit
 * @param stopper    the early stopper (its rungs cut the fine-tuning into slices)
 */
public record StudyPlan(SearchSpace space, Sampler sampler, Optional<Point> firstPoint, Requests requests,
                        StudySettings settings, EarlyStopper stopper) {

    /** Builds the request of one Spark job of a trial. */
    @FunctionalInterface
    public interface Requests {
        /**
         * @param trial      the trial's number
         * @param point      its point
         * @param rung       the rung this job ends
         * @param from       start of the slice, a fraction of the fine-tuning
         * @param to         end of the slice
         * @param resumeFrom the previous rung's checkpoint URI, or "" for the first rung
         */
        TrialRequest request(int trial, Point point, int rung, double from, double to, String resumeFrom);
    }
}
