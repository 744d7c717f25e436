package org.pocketflow.conf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EditDistanceTest {

    @Test
    void countsInsertionsDeletionsAndSubstitutions() {
        assertEquals(0, EditDistance.between("epochs", "epochs"));
        assertEquals(1, EditDistance.between("epoch", "epochs"));
        assertEquals(1, EditDistance.between("epochs", "epoch"));
        assertEquals(1, EditDistance.between("epocks", "epochs"));
        assertEquals(3, EditDistance.between("kitten", "sitting"));
        assertEquals(4, EditDistance.between("", "abcd"));
    }
}
