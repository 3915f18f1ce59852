package org.layerskip.tasks;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.List;

/** Token accuracy, agreement and first-line matching against hand-counted cases. */
public class TaskScoresTest {

    @Test
    public void tokenAccuracyCountsMatchingPositionsOverTheReference() {
        List<long[]> outputs = List.of(new long[] {1, 2, 3, 4}, new long[] {9, 8}, new long[] {});
        List<long[]> refs = List.of(new long[] {1, 2, 0}, new long[] {9, 7, 6, 5}, new long[] {4});
        // example 1: 2 of 3; example 2: 1 of 4 (the missing positions count as wrong); example 3: 0
        // of 1
        Assert.assertEquals(TaskScores.tokenAccuracy(outputs, refs), 3.0 / 8, 1e-12);
        Assert.assertEquals(TaskScores.tokenAccuracy(refs, refs), 1.0);
        Assert.assertEquals(
                TaskScores.tokenAccuracy(List.of(new long[] {1}), List.of(new long[] {})), 1.0);
    }

    @Test
    public void firstLineSkipsLeadingBreaks() {
        Assert.assertEquals(TaskScores.firstLine("\n\n    return x\n    y"), "    return x");
        Assert.assertEquals(TaskScores.firstLine("    partial"), "    partial");
        Assert.assertEquals(TaskScores.firstLine("\r\n  a\r\n"), "  a");
        Assert.assertEquals(TaskScores.firstLine("\n\n"), "");
    }
}
