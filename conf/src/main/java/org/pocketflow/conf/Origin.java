package org.pocketflow.conf;

/** Which layer a setting came from; later layers win. */
enum Origin {
    DEFAULT("default"),
    JOB_FILE("job file"),
    OVERRIDE("override");

    private final String label;

    Origin(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
