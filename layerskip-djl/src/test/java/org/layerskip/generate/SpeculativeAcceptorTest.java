package org.layerskip.generate;

import org.layerskip.engine.DraftRound;
import org.layerskip.engine.TokenSampler;
import org.layerskip.generate.SpeculativeAcceptor.Acceptance;
import org.testng.Assert;
import org.testng.annotations.Test;

import java.util.SplittableRandom;

/** The acceptance rule on its own: greedy prefixes, and exact speculative sampling. */
public class SpeculativeAcceptorTest {

    @Test
    public void greedyAcceptsTheMatchingPrefixAndTheVerifiersToken() {
        long[] v = {4, 5, 6, 7};
        Assert.assertEquals(
                SpeculativeAcceptor.greedy(new long[] {4, 5, 6}, v), new Acceptance(3, 7));
        Assert.assertEquals(
                SpeculativeAcceptor.greedy(new long[] {4, 5, 9}, v), new Acceptance(2, 6));
        Assert.assertEquals(
                SpeculativeAcceptor.greedy(new long[] {9, 5, 6}, v), new Acceptance(0, 4));
        Assert.assertEquals(
                SpeculativeAcceptor.greedy(new long[0], new long[] {8}), new Acceptance(0, 8));
        Assert.expectThrows(
                IllegalArgumentException.class,
                () -> SpeculativeAcceptor.greedy(new long[] {1, 2}, new long[] {1, 2}));
    }

    @Test
    public void samplingAcceptsWhenTheTargetIsAtLeastTheDraft() {
        // p >= q: min(1, p/q) = 1, every uniform in [0, 1) accepts
        Acceptance all =
                SpeculativeAcceptor.sample(
                        new long[] {1, 2},
                        new double[] {0.5, 0.3},
                        new double[] {0.5, 0.2},
                        new double[] {0.999, 0.999},
                        new long[] {10, 11, 12});
        Assert.assertEquals(all, new Acceptance(2, 12));
        // p = 0 for the second draft: rejected there, the residual draw is emitted
        Acceptance cut =
                SpeculativeAcceptor.sample(
                        new long[] {1, 2},
                        new double[] {0.5, 0.0},
                        new double[] {0.5, 0.2},
                        new double[] {0.0, 0.0},
                        new long[] {10, 11, 12});
        Assert.assertEquals(cut, new Acceptance(1, 11));
        // accept iff u < p/q: 0.3/0.6 = 0.5
        Assert.assertEquals(
                SpeculativeAcceptor.sample(
                        new long[] {3},
                        new double[] {0.3},
                        new double[] {0.6},
                        new double[] {0.4999},
                        new long[] {7, 8}),
                new Acceptance(1, 8));
        Assert.assertEquals(
                SpeculativeAcceptor.sample(
                        new long[] {3},
                        new double[] {0.3},
                        new double[] {0.6},
                        new double[] {0.5},
                        new long[] {7, 8}),
                new Acceptance(0, 7));
    }

    @Test
    public void roundsDispatchOnWhetherTheyCarryProbabilities() {
        DraftRound greedy =
                new DraftRound(2, new long[][] {{4, 9}}, new long[][] {{4, 5, 6}}, null, null);
        Assert.assertEquals(SpeculativeAcceptor.accept(greedy, 0, null), new Acceptance(1, 5));
        DraftRound sampled =
                new DraftRound(
                        1,
                        new long[][] {{4}},
                        new long[][] {{2, 3}},
                        new double[][] {{0.1}},
                        new double[][] {{0.4}});
        Assert.assertEquals(
                SpeculativeAcceptor.accept(sampled, 0, new double[] {0.3}), new Acceptance(0, 2));
        Assert.assertEquals(
                SpeculativeAcceptor.accept(sampled, 0, new double[] {0.2}), new Acceptance(1, 3));
    }

    /**
     * The theorem behind speculative sampling: drafting from q, accepting with min(1, p/q) and
     * resampling rejections from norm(max(0, p - q)) emits exactly p. 200,000 seeded trials on a
     * 6-token vocabulary, chi-square against p (5 degrees of freedom; 20.5 is the p = 0.001
     * critical value), plus the acceptance rate against its closed form sum(min(p, q)).
     */
    @Test
    public void acceptanceWithResidualsReproducesTheTargetDistribution() {
        double[] p = {0.05, 0.30, 0.10, 0.25, 0.20, 0.10};
        double[] q = {0.30, 0.10, 0.25, 0.05, 0.10, 0.20};
        double[] residual = TokenSampler.residual(p, q);
        SplittableRandom rng = new SplittableRandom(2024);
        int n = 200_000;
        long[] counts = new long[p.length];
        long accepted = 0;
        for (int t = 0; t < n; t++) {
            long d = TokenSampler.sample(q, rng.nextDouble());
            long[] samples = {
                TokenSampler.sample(residual, rng.nextDouble()),
                TokenSampler.sample(p, rng.nextDouble())
            };
            Acceptance a =
                    SpeculativeAcceptor.sample(
                            new long[] {d},
                            new double[] {p[(int) d]},
                            new double[] {q[(int) d]},
                            new double[] {rng.nextDouble()},
                            samples);
            long emitted = a.accepted() == 1 ? d : a.next();
            counts[(int) emitted]++;
            accepted += a.accepted();
        }
        double chi2 = 0;
        for (int i = 0; i < p.length; i++) {
            double e = n * p[i];
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        Assert.assertTrue(chi2 < 20.5, "chi-square " + chi2);
        double expectedAcceptance = 0;
        for (int i = 0; i < p.length; i++) {
            expectedAcceptance += Math.min(p[i], q[i]);
        }
        Assert.assertEquals((double) accepted / n, expectedAcceptance, 0.005);
        // power: emitting the draft without the accept test gives q, which the same test rejects
        long[] naive = new long[q.length];
        for (int t = 0; t < n; t++) {
            naive[TokenSampler.sample(q, rng.nextDouble())]++;
        }
        double chiNaive = 0;
        for (int i = 0; i < p.length; i++) {
            double e = n * p[i];
            chiNaive += (naive[i] - e) * (naive[i] - e) / e;
        }
        Assert.assertTrue(chiNaive > 1000, "the test detects a wrong distribution: " + chiNaive);
    }
}
