package org.pocketflow.driver.study;

/**
 * The driver's thread was interrupted in mid-study: the running trials were cancelled and stay
 * RUNNING in the trial store; {@code pocketflow resume RUN_DIR} continues the study.
 */
public final class StudyInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param runDir the run directory to resume */
    public StudyInterruptedException(String runDir) {
        super("the study was interrupted; its finished trials are kept in " + runDir + "/" + StudyRun.STORE
                + ". Fix: continue it with: pocketflow resume " + runDir);
    }
}
