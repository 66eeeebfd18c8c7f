#!/usr/bin/env python3
"""Reference values for src/stats, computed with SciPy.

Run:  pip install scipy && python3 tests/data/stats/gen_reference.py > tests/data/stats/reference.json

The unit tests in src/stats/reference_tests.rs match every value to 1e-9 relative.

- binomtest:        scipy.stats.binomtest(k, n, p).pvalue (two-sided)
- binom_tails:      scipy.stats.binom.cdf(k, n, p) and binom.sf(k, n, p) = P(K > k)
- wilson:           binomtest(k, n).proportion_ci(confidence, method="wilson")
- clopper_pearson:  the roots SciPy's proportion_ci(method="exact") solves
                    (binom.sf(k-1, n, p) = a/2 and binom.cdf(k, n, p) = a/2), found with brentq at a
                    tight tolerance: SciPy's default xtol (2e-12 absolute) is too coarse for a 1e-9
                    relative comparison of small bounds. The default-tolerance SciPy value is kept
                    alongside for reference and agrees to its tolerance.
- chisquare:        scipy.stats.chisquare(counts, n * probs)
- gtest:            scipy.stats.power_divergence(counts, n * probs, lambda_="log-likelihood")
- exact_multinomial: sum of multinomial probabilities (scipy.stats.multinomial.pmf) of all outcomes
                    no more likely than the observed one, ties within a relative 1e-7 (SciPy's
                    binomtest rule), by full enumeration.
"""

import itertools
import json
import math
import sys

import numpy as np
import scipy
from scipy.optimize import brentq
from scipy.stats import binom, binomtest, chisquare, multinomial, power_divergence


def f(x):
    return float(x)


def binomtest_cases():
    cases = [
        (0, 10, 0.5), (1, 10, 0.5), (5, 10, 0.5), (9, 10, 0.5), (3, 20, 0.3), (12, 20, 0.3),
        (224, 500, 0.5), (276, 500, 0.5), (250, 500, 0.5), (330, 500, 0.7), (370, 500, 0.7),
        (40, 300, 0.1), (20, 300, 0.1), (0, 300, 0.1), (45, 300, 0.1), (60, 300, 0.1),
        (380, 800, 0.5), (460, 800, 0.5), (350, 800, 0.5), (0, 50, 0.02), (3, 50, 0.02),
        (49900, 100000, 0.5), (50600, 100000, 0.5), (51000, 100000, 0.5), (29500, 100000, 0.3),
        (7, 1000, 0.001), (0, 1000, 0.001), (995, 1000, 0.999), (1000, 1000, 0.999),
        (130, 1000, 0.1), (70, 1000, 0.1), (400, 1000, 0.5), (600, 1000, 0.5),
        (17, 40, 0.37), (31, 77, 0.25), (2, 3, 0.5), (1, 1, 0.3), (0, 1, 0.3),
        (3, 10, 0.0), (0, 10, 0.0), (10, 10, 1.0), (9, 10, 1.0), (6, 20, 0.3),
    ]
    out = []
    for k, n, p in cases:
        out.append({"k": k, "n": n, "p": p, "pvalue": f(binomtest(k, n, p).pvalue)})
    return out


def tail_cases():
    cases = [
        (0, 10, 0.5), (3, 10, 0.5), (7, 10, 0.5), (224, 500, 0.5), (275, 500, 0.5),
        (10, 300, 0.1), (50, 300, 0.1), (49500, 100000, 0.5), (50500, 100000, 0.5),
        (45000, 100000, 0.5), (0, 1000, 0.01), (30, 1000, 0.01), (999, 1000, 0.999),
        (600, 1000, 0.4), (350, 1000, 0.4),
    ]
    return [
        {"k": k, "n": n, "p": p, "cdf": f(binom.cdf(k, n, p)), "sf": f(binom.sf(k, n, p))}
        for k, n, p in cases
    ]


def ci_cases():
    return [
        (0, 10), (1, 10), (5, 10), (10, 10), (3, 20), (250, 500), (276, 500), (1, 1000),
        (999, 1000), (37, 800), (400, 800), (5000, 100000), (50000, 100000), (0, 5000),
    ]


CONFIDENCES = [0.95, 0.99, 0.999, 0.99999]


def wilson_cases():
    out = []
    for k, n in ci_cases():
        for c in CONFIDENCES:
            ci = binomtest(k, n).proportion_ci(confidence_level=c, method="wilson")
            out.append({"k": k, "n": n, "confidence": c, "lower": f(ci.low), "upper": f(ci.high)})
    return out


def tight_root(fn):
    return brentq(fn, 0.0, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=2000)


def clopper_pearson_cases():
    out = []
    for k, n in ci_cases():
        for c in CONFIDENCES:
            a = (1 - c) / 2
            lower = 0.0 if k == 0 else tight_root(lambda p: binom.sf(k - 1, n, p) - a)
            upper = 1.0 if k == n else tight_root(lambda p: binom.cdf(k, n, p) - a)
            default = binomtest(k, n).proportion_ci(confidence_level=c, method="exact")
            out.append({
                "k": k, "n": n, "confidence": c, "lower": f(lower), "upper": f(upper),
                "scipy_default_lower": f(default.low), "scipy_default_upper": f(default.high),
            })
    return out


GOF_CASES = [
    ([60, 20, 20], [0.5, 0.25, 0.25]),
    ([500, 260, 240], [0.5, 0.25, 0.25]),
    ([430, 300, 270], [0.5, 0.25, 0.25]),
    ([12, 30, 58], [0.2, 0.3, 0.5]),
    ([100, 100, 100, 100], [0.25, 0.25, 0.25, 0.25]),
    ([150, 80, 100, 70], [0.25, 0.25, 0.25, 0.25]),
    ([900, 50, 50], [0.8, 0.1, 0.1]),
    ([5000, 2400, 2600], [0.5, 0.25, 0.25]),
    ([7, 3], [0.5, 0.5]),
]


def gof_cases():
    out = []
    for counts, probs in GOF_CASES:
        n = sum(counts)
        exp = [n * p for p in probs]
        chi = chisquare(counts, exp)
        g = power_divergence(counts, exp, lambda_="log-likelihood")
        out.append({
            "counts": counts, "probs": probs,
            "chisquare_statistic": f(chi.statistic), "chisquare_pvalue": f(chi.pvalue),
            "gtest_statistic": f(g.statistic), "gtest_pvalue": f(g.pvalue),
        })
    return out


def exact_multinomial(counts, probs):
    n = sum(counts)
    k = len(counts)
    observed = multinomial.pmf(counts, n, probs)
    terms = []
    for head in itertools.product(range(n + 1), repeat=k - 1):
        s = sum(head)
        if s > n:
            continue
        x = list(head) + [n - s]
        pr = multinomial.pmf(x, n, probs)
        if pr <= observed * (1 + 1e-7):
            terms.append(pr)
    return min(1.0, math.fsum(terms))


EXACT_CASES = [
    ([10, 5, 5], [0.5, 0.25, 0.25]),
    ([18, 1, 1], [0.5, 0.25, 0.25]),
    ([30, 15, 15], [0.5, 0.25, 0.25]),
    ([38, 6, 16], [0.5, 0.25, 0.25]),
    ([5, 10, 25], [0.2, 0.3, 0.5]),
    ([10, 10, 10, 10], [0.25, 0.25, 0.25, 0.25]),
    ([2, 3, 10, 5], [0.1, 0.2, 0.3, 0.4]),
    ([60, 0, 0], [0.5, 0.25, 0.25]),
]


def exact_cases():
    return [
        {"counts": c, "probs": p, "pvalue": f(exact_multinomial(c, p))} for c, p in EXACT_CASES
    ]


def main():
    json.dump({
        "generator": "tests/data/stats/gen_reference.py",
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "binomtest": binomtest_cases(),
        "binom_tails": tail_cases(),
        "wilson": wilson_cases(),
        "clopper_pearson": clopper_pearson_cases(),
        "goodness_of_fit": gof_cases(),
        "exact_multinomial": exact_cases(),
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
