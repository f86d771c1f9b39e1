"""Shares counted by imperfect rules, corrected for their measured error: Rogan-Gladen and its bootstrap interval."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from iclr_tools.stats import MIN_YOUDEN, correct_share, estimate_corrected_share, estimate_rates


def test_rogan_gladen_on_hand_computed_numbers() -> None:
    # (0.6 + 0.8 - 1) / (0.9 + 0.8 - 1) = 0.4 / 0.7 = 0.5714...
    assert correct_share(0.6, 0.9, 0.8) == 0.571
    # ICLR 2020's dependencies: 199 of 237 found; held out 29 tp, 4 fp, 2 fn, 12 tn: Se = 29/31 = 0.93548,
    # Sp = 12/16 = 0.75, so (0.83966 - 0.25) / 0.68548 = 0.58966 / 0.68548 = 0.86021
    assert estimate_rates({"tp": 29, "fp": 4, "fn": 2, "tn": 12}) == (29 / 31, 0.75)
    assert correct_share(199 / 237, 29 / 31, 0.75) == 0.86
    # rules without error leave the share as it is
    assert correct_share(0.25, 1.0, 1.0) == 0.25


def test_estimates_are_clipped_to_zero_and_one() -> None:
    # Se 0.8, Sp 0.9: a raw share under 1 - Sp = 0.1 gives (0.05 - 0.1) / 0.7 < 0; one over Se, (0.95 - 0.1) / 0.7 > 1
    assert correct_share(0.05, 0.8, 0.9) == 0.0
    assert correct_share(0.95, 0.8, 0.9) == 1.0
    share, low, high = estimate_corrected_share(95, 100, {"tp": 80, "fp": 10, "fn": 20, "tn": 90})
    assert share == 1.0 and 0.0 <= low <= high <= 1.0


def test_rules_that_barely_tell_an_item_apart_are_not_correctable() -> None:
    assert MIN_YOUDEN == 0.1
    assert correct_share(0.5, 0.55, 0.54) is None  # J = 0.09
    assert correct_share(0.5, 0.56, 0.55) == 0.455  # J = 0.11: (0.5 + 0.55 - 1) / 0.11 = 0.4545
    assert (
        estimate_corrected_share(50, 100, {"tp": 11, "fp": 10, "fn": 9, "tn": 10}) is None
    )  # 0.55 + 0.5 - 1


def test_the_interval_of_error_free_rules_is_the_samples_binomial_interval() -> None:
    # With Se = Sp = 1 only the sample varies: the bootstrap's percentile interval is close to Wilson's.
    share, low, high = estimate_corrected_share(300, 1000, {"tp": 500, "fp": 0, "fn": 0, "tn": 500})
    wilson = binomtest(300, 1000).proportion_ci(method="wilson")
    assert share == 0.3
    assert low == pytest.approx(wilson.low, abs=0.004) and high == pytest.approx(wilson.high, abs=0.004)


def test_a_large_labelled_set_and_sample_give_the_delta_methods_interval() -> None:
    # True share 0.3, Se 0.9, Sp 0.8 (J = 0.7): the rules find 0.9 * 0.3 + 0.2 * 0.7 = 0.41 of the repositories.
    # Delta method for (p + Sp - 1) / J: the derivatives are 1 / J (p), (1 - share) / J (Sp), -share / J (Se).
    p, se, sp, j = 0.41, 0.9, 0.8, 0.7
    variance = (p * (1 - p) / 10000 / j**2 + sp * (1 - sp) / 10000 * ((1 - 0.3) / j) ** 2
                + se * (1 - se) / 10000 * (0.3 / j) ** 2)  # fmt: skip
    half = 1.96 * variance**0.5  # 0.016
    share, low, high = estimate_corrected_share(4100, 10000, {"tp": 9000, "fp": 2000, "fn": 1000, "tn": 8000})
    assert share == 0.3
    assert low == pytest.approx(0.3 - half, abs=0.002) and high == pytest.approx(0.3 + half, abs=0.002)


def test_the_labelled_sets_uncertainty_widens_the_interval() -> None:
    confusion = {"tp": 29, "fp": 4, "fn": 2, "tn": 12}  # 47 labelled, as held out
    larger = {key: value * 20 for key, value in confusion.items()}  # the same rates on 940
    _, low, high = estimate_corrected_share(199, 237, confusion)
    _, low_larger, high_larger = estimate_corrected_share(199, 237, larger)
    assert low < low_larger and high - low > high_larger - low_larger


def test_draws_that_cannot_be_corrected_widen_the_interval_to_zero_and_one() -> None:
    # Se = Sp = 0.6 (J = 0.2) on 10 labelled repositories: many resamples have J < 0.1, so nothing is excluded.
    share, low, high = estimate_corrected_share(60, 100, {"tp": 3, "fp": 2, "fn": 2, "tn": 3})
    assert share == 1.0 and (low, high) == (0.0, 1.0)


def test_the_interval_is_the_same_on_every_run() -> None:
    confusion = {"tp": 8, "fp": 3, "fn": 3, "tn": 33}
    assert estimate_corrected_share(61, 237, confusion) == estimate_corrected_share(61, 237, confusion)


@pytest.mark.parametrize(
    ("count", "n", "confusion", "message"),
    [
        (5, 0, {"tp": 1, "fp": 1, "fn": 1, "tn": 1}, "0 <= count <= n with n > 0"),
        (12, 10, {"tp": 1, "fp": 1, "fn": 1, "tn": 1}, "a count of 12 out of 10"),
        (5, 10, {"tp": 0, "fp": 1, "fn": 0, "tn": 1}, r"positives \(tp \+ fn\) and negatives"),
        (5, 10, {"tp": 1, "fp": 1, "fn": 1}, "give tp, fp, fn and tn"),
        (5, 10, {"tp": 1, "fp": -1, "fn": 1, "tn": 1}, "each 0 or more"),
    ],
)
def test_bad_input_is_a_clear_error(count: int, n: int, confusion: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        estimate_corrected_share(count, n, confusion)
