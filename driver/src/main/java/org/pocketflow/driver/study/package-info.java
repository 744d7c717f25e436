/**
 * The study on Spark: a learner's per-layer settings searched by a sampler, the trials run in
 * parallel as Spark jobs. {@link org.pocketflow.driver.study.CandidateSpace} turns a learner's
 * knobs on the base model into a {@code SearchSpace} and its points into
 * {@link org.pocketflow.driver.study.Candidate}s that meet the budget by construction;
 * {@link org.pocketflow.driver.study.TrialScheduler} runs up to P trials at once (job group per
 * trial, base model broadcast once) with an {@link org.pocketflow.driver.study.EarlyStopper}
 * ({@code NopEarlyStopper}, {@code SuccessiveHalvingEarlyStopper}); every state change goes to
 * the {@link org.pocketflow.driver.study.TrialStore} ({@code JsonLinesTrialStore} in the run
 * directory), from which a restarted driver resumes; {@link org.pocketflow.driver.study.StudyRun}
 * ties it to a job and its report. How a rung runs is a {@link
 * org.pocketflow.driver.study.TrialLauncher}: one Spark task ({@link
 * org.pocketflow.driver.study.TrialTask}), or, with {@code pocketflow.search.workers-per-trial}
 * above 1, W tasks through the trial's own parameter server ({@link
 * org.pocketflow.driver.study.ServerTrialLauncher}); after the study the winner is retrained on
 * {@code final-workers} ({@link org.pocketflow.driver.study.FinalRetraining}).
 */
package org.pocketflow.driver.study;
