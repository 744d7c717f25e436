package org.pocketflow.driver.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A study's history as the samplers read it: trials checked against the space, sorted by number
 * and split by state. Package-private; built afresh on every proposal.
 */
final class History {
    private final List<Trial> all;
    private final List<Trial> completed = new ArrayList<>();
    private final List<Trial> running = new ArrayList<>();
    private final List<Trial> pruned = new ArrayList<>();

    private History(SearchSpace space, List<Trial> history) {
        List<Trial> sorted = new ArrayList<>(history);
        sorted.sort(Comparator.comparingInt(Trial::number));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).number() == sorted.get(i - 1).number()) {
                throw new IllegalArgumentException("history holds trial number " + sorted.get(i).number()
                        + " twice; give each trial its own number");
            }
        }
        for (Trial t : sorted) {
            try {
                space.check(t.params());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("trial " + t.number() + " does not belong to the space: "
                        + e.getMessage(), e);
            }
            switch (t.state()) {
                case COMPLETE -> completed.add(t);
                case RUNNING -> running.add(t);
                case PRUNED -> pruned.add(t);
                case FAILED -> {
                }
            }
        }
        this.all = List.copyOf(sorted);
    }

    static History of(SearchSpace space, List<Trial> history) {
        return new History(space, history);
    }

    /** @return the index of the proposal being made: the number of trials so far */
    int nextIndex() {
        return all.size();
    }

    /** @return complete trials, by number */
    List<Trial> completed() {
        return completed;
    }

    /** @return running trials, by number */
    List<Trial> running() {
        return running;
    }

    /** @return pruned trials, by number */
    List<Trial> pruned() {
        return pruned;
    }

    /** @return complete trials, best (highest objective) first; ties by number */
    List<Trial> completedBestFirst() {
        List<Trial> s = new ArrayList<>(completed);
        s.sort(Comparator.comparingDouble(Trial::objective).reversed().thenComparingInt(Trial::number));
        return s;
    }
}
