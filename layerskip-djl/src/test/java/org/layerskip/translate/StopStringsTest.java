package org.layerskip.translate;

import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Stop strings are found wherever the text is split, and nothing from the first one on is shown.
 */
public class StopStringsTest {

    /**
     * The reference: grow the text one character at a time and cut before the first stop string
     * that appears (at one length, the one that starts first).
     */
    private static String cut(String text, List<String> stops) {
        for (int n = 1; n <= text.length(); n++) {
            String prefix = text.substring(0, n);
            int first = -1;
            for (String s : stops) {
                if (prefix.endsWith(s) && (first < 0 || n - s.length() < first)) {
                    first = n - s.length();
                }
            }
            if (first >= 0) {
                return text.substring(0, first);
            }
        }
        return text;
    }

    @Test
    public void everySplitGivesTheCutText() {
        Random r = new Random(1);
        String alphabet = "ab\n c";
        for (int trial = 0; trial < 3000; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(30);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            List<String> stops = new ArrayList<>();
            int n = r.nextInt(4);
            for (int i = 0; i < n; i++) {
                StringBuilder s = new StringBuilder();
                int sl = 1 + r.nextInt(4);
                for (int j = 0; j < sl; j++) {
                    s.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                stops.add(s.toString());
            }
            StopStrings m = new StopStrings(stops);
            StringBuilder shown = new StringBuilder();
            int at = 0;
            while (at < text.length() && !m.matched()) {
                int k = Math.min(text.length() - at, r.nextInt(4));
                shown.append(m.push(text.substring(at, at + k)));
                at += k;
            }
            shown.append(m.flush());
            String expected = cut(text, stops);
            Assert.assertEquals(shown.toString(), expected, "text '" + text + "' stops " + stops);
            Assert.assertEquals(
                    m.matched(), !expected.equals(text) || stops.stream().anyMatch(text::contains));
        }
    }

    @Test
    public void heldBackTextIsShownOnlyWhenItCannotBeginAStop() {
        StopStrings m = new StopStrings(List.of("</end>"));
        Assert.assertEquals(m.push("a </"), "a ");
        Assert.assertEquals(m.push("e"), "");
        Assert.assertEquals(m.push("x"), "</ex");
        Assert.assertEquals(m.push("b</en"), "b");
        Assert.assertEquals(m.push("d> more"), "");
        Assert.assertTrue(m.matched());
        Assert.assertEquals(m.matchedStop(), "</end>");
        Assert.assertEquals(m.push("later"), "");
        Assert.assertEquals(m.flush(), "");
    }

    @Test
    public void invalidStopsAreRefused() {
        Assert.expectThrows(IllegalArgumentException.class, () -> new StopStrings(List.of("")));
        Assert.expectThrows(IllegalArgumentException.class, () -> new StopStrings(null));
        Assert.expectThrows(
                IllegalArgumentException.class,
                () -> new StopStrings(List.of("a", "b", "c", "d", "e")));
    }
}
