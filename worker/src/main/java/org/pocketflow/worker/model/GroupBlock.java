package org.pocketflow.worker.model;

/**
 * Why a channel group cannot be pruned: the cause and the vertex that causes it.
 *
 * @param cause  the kind of obstacle
 * @param vertex the vertex name
 * @param kind   its layer or vertex class, e.g. {@code SubsetVertex}
 */
public record GroupBlock(Cause cause, String vertex, String kind) {
    /** The kinds of obstacle. */
    public enum Cause {
        /** The channels are the network's input. */
        NETWORK_INPUT,
        /** The channels are the network's output (the classes). */
        NETWORK_OUTPUT,
        /** A vertex moves, picks or reshapes channels ({@link ChannelRole#RESHAPE}). */
        RESHAPE,
        /** A vertex or layer of a type channel surgery does not know ({@link ChannelRole#UNKNOWN}). */
        UNKNOWN,
        /** A consumer reads the channels through an input preprocessor other than the flattening before a dense layer. */
        PREPROCESSOR,
        /** The channels are tied to each other unevenly (a channel used a different number of times than another). */
        IRREGULAR
    }

    /** Whether the network's structure, not the task, blocks the group (a line for the report). */
    public boolean unsupported() {
        return cause != Cause.NETWORK_INPUT && cause != Cause.NETWORK_OUTPUT;
    }

    /** One line for a report: what is left whole and why. */
    public String describe() {
        return switch (cause) {
            case NETWORK_INPUT -> "they are the network input (vertex " + vertex + ")";
            case NETWORK_OUTPUT -> "they are the network output (vertex " + vertex + "), fixed by the task";
            case RESHAPE -> "vertex " + vertex + " (" + kind + ") moves, picks or reshapes channels, which channel "
                    + "surgery cannot follow";
            case UNKNOWN -> "vertex " + vertex + " (" + kind + ") is of a type channel surgery does not know";
            case PREPROCESSOR -> "layer " + vertex + " reads them through a " + kind + ", which channel surgery "
                    + "cannot cut";
            case IRREGULAR -> "vertex " + vertex + " (" + kind + ") uses some of the group's channels more often "
                    + "than others";
        };
    }
}
