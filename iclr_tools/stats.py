"""Stage 7, statistics: a share with its 95% interval, whether two intervals lie apart (and how many decimals show
it), and a share counted by imperfect rules, corrected for their measured error (Rogan-Gladen).

A rule with sensitivity Se and specificity Sp finds `p = Se * pi + (1 - Sp) * (1 - pi)` of repositories when a
share `pi` truly has the item, so `pi = (p + Sp - 1) / (Se + Sp - 1)` (Rogan and Gladen, 1978), clipped to [0, 1].
Where Youden's J = Se + Sp - 1 is below `MIN_YOUDEN` (0.1), the rules barely tell the item apart and the division
would multiply the noise by ten or more: the share is not correctable, and no number is given.

The 95% interval is a percentile bootstrap over both sources of uncertainty, with a fixed seed (the same bytes on
every run): each draw resamples the labelled repositories (a multinomial draw of the confusion counts, so Se and Sp
move together with the number of labelled positives) and the year's repositories (a binomial draw of the raw
count; in a year counted whole it stands for which of its repositories the rules happen to misclassify, so it errs
wide). A draw whose J is below `MIN_YOUDEN` says nothing about the share: it counts as 0 for the lower bound and
as 1 for the upper one, so rules that are often not correctable give an interval reaching 0 and 1.

>>> correct_share(0.6, 0.9, 0.8)
0.571
>>> correct_share(0.6, 0.55, 0.5) is None
True
"""

from __future__ import annotations

import numpy as np

MIN_YOUDEN = 0.1  # below this J = Se + Sp - 1, a share is "not correctable"
BOOTSTRAP_DRAWS = 10_000
BOOTSTRAP_SEED = 29  # fixed: the intervals are the same bytes on every run
CONFUSION_KEYS = ("tp", "fp", "fn", "tn")


def estimate_share(count: int, n: int, method: str) -> tuple[float, float, float]:
    """(share, ci_low, ci_high), rounded to 3 places: exact, or a 95% Wilson interval for a sample."""
    if n == 0:
        return (float("nan"),) * 3
    share = count / n
    if method != "sample":
        return round(share, 3), round(share, 3), round(share, 3)
    from scipy.stats import binomtest

    interval = binomtest(count, n).proportion_ci(confidence_level=0.95, method="wilson")
    return round(share, 3), round(float(interval.low), 3), round(float(interval.high), 3)


def separate_intervals(low: float, high: float, other_low: float, other_high: float) -> bool:
    """Whether two 95% intervals do not overlap (a comparison of their shares may be written).

    >>> separate_intervals(0.5, 0.7, 0.2, 0.45), separate_intervals(0.5, 0.7, 0.2, 0.55)
    (True, False)
    """
    return low > other_high or high < other_low


def choose_places(pairs: list[tuple[float, float]]) -> int:
    """Decimals a sentence shows its shares and bounds with: 1 where a pair it calls apart (the upper bound of one,
    the lower bound of the other) would read as one whole percent, else 0.

    >>> choose_places([(0.149, 0.152)]), choose_places([(0.149, 0.2), (0.3, 0.31)])
    (1, 0)
    """
    return int(any(f"{upper:.0%}" == f"{lower:.0%}" for upper, lower in pairs))


def check_confusion(confusion: dict[str, int]) -> dict[str, int]:
    """`confusion` (tp, fp, fn, tn) if it can give a sensitivity and a specificity, else a clear error."""
    missing = [key for key in CONFUSION_KEYS if key not in confusion]
    if missing or any(int(confusion[key]) < 0 for key in CONFUSION_KEYS if key not in missing):
        raise ValueError(f"confusion counts {confusion}: give tp, fp, fn and tn, each 0 or more")
    if confusion["tp"] + confusion["fn"] == 0 or confusion["tn"] + confusion["fp"] == 0:
        raise ValueError(
            f"confusion counts {confusion}: the labelled set needs positives (tp + fn) and negatives (tn + fp) to "
            "measure a sensitivity and a specificity"
        )
    return {key: int(confusion[key]) for key in CONFUSION_KEYS}


def estimate_rates(confusion: dict[str, int]) -> tuple[float, float]:
    """(sensitivity, specificity) of rules from their confusion counts: tp / (tp + fn), tn / (tn + fp)."""
    tp, fp, fn, tn = check_confusion(confusion).values()
    return tp / (tp + fn), tn / (tn + fp)


def correct_share(share: float, sensitivity: float, specificity: float) -> float | None:
    """Rogan-Gladen's estimate of the true share from a share counted by rules, clipped to [0, 1] and rounded to
    3 places; None (not correctable) where Youden's J = sensitivity + specificity - 1 is below `MIN_YOUDEN`."""
    youden = sensitivity + specificity - 1
    if youden < MIN_YOUDEN:
        return None
    return round(min(max((share + specificity - 1) / youden, 0.0), 1.0), 3)


def draw_corrected_shares(
    count: int, n: int, confusion: dict[str, int], draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of the corrected share (clipped to [0, 1]) and whether each draw was correctable."""
    cells = np.array([confusion[key] for key in CONFUSION_KEYS], dtype=float)
    rng = np.random.default_rng(seed)
    tp, fp, fn, tn = rng.multinomial(int(cells.sum()), cells / cells.sum(), size=draws).T
    raw = rng.binomial(n, count / n, size=draws) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        sensitivity, specificity = tp / (tp + fn), tn / (tn + fp)
        youden = sensitivity + specificity - 1
        corrected = np.clip((raw + specificity - 1) / youden, 0.0, 1.0)
    correctable = youden >= MIN_YOUDEN  # False where a draw held no positive or no negative (nan)
    return np.where(correctable, corrected, np.nan), correctable


def estimate_corrected_share(
    count: int, n: int, confusion: dict[str, int], draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float, float] | None:
    """(share, ci_low, ci_high): the share `count / n` counted by rules, corrected for their confusion counts on a
    labelled set, with a 95% percentile bootstrap interval; None where the rules are not correctable."""
    if n <= 0 or not 0 <= count <= n:
        raise ValueError(f"a count of {count} out of {n}: give 0 <= count <= n with n > 0")
    share = correct_share(count / n, *estimate_rates(confusion))
    if share is None:
        return None
    values, correctable = draw_corrected_shares(count, n, check_confusion(confusion), draws, seed)
    low = np.quantile(np.where(correctable, values, 0.0), 0.025)
    high = np.quantile(np.where(correctable, values, 1.0), 0.975)
    return share, round(float(low), 3), round(float(high), 3)
