"""Stage 2, code links: a quoted GitHub name the PDF cut, glued or misspelt, read among its owner's repositories.

Pure: the owner's repository names come from `repair_fetch` (stage 3). Names are compared with letter case, `-`,
`_` and `.` ignored. A repository fits where its name starts with the quoted one (the quote was cut) or the quoted
one starts with its name (the quote was glued to the next word). One fit is read; among several, one named whole
in the paper's title wins, else the one whose name after the quoted prefix best matches the title's words.

>>> choose_repair("thuml/Fork", "ForkMerge: Mitigating Negative Transfer", ["thuml/ForkMerge", "thuml/Transfer"])
Repair(quoted='thuml/Fork', repo='thuml/ForkMerge', repaired_by='cut', candidates=('thuml/ForkMerge',), reason='')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SEPARATORS = re.compile(r"[-_.]")
TITLE_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits: hyphens and punctuation split the title
NAME_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")  # camelCase, ACRONYM, digits
MIN_PREFIX = 3  # a word matches a longer one it begins (Flow ~ flows) from this many letters
MIN_INITIALS = 2  # a run of title initials (SCA: Shared Component Analysis) is at least this long


@dataclass(frozen=True)
class Repair:
    """What the owner's repositories make of a quoted name: the repository read (or None), the rule, and why."""

    quoted: str  # owner/name as the paper quoted it
    repo: str | None  # owner/name read instead, None when nothing is repaired
    repaired_by: str  # cut, glued, lost hyphen, ligature, case, "chosen by the title among ...", or ""
    candidates: tuple[str, ...]  # every listed repository that fits the quoted name
    reason: str  # why nothing was repaired ('' when repaired)


def make_name_key(name: str) -> str:
    """A repository name as names are compared: NFKC, letter case and `-`, `_`, `.` ignored.

    >>> make_name_key("Multi-Model_Forgetting.1"), make_name_key("delﬁ")
    ('multimodelforgetting1', 'delfi')
    """
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", name).casefold())


def describe_fit(quoted_name: str, name: str) -> str:
    """How a fitting repository name differs from the quoted one: cut, glued, lost hyphen, ligature or case.

    >>> [describe_fit("Fork", "ForkMerge"), describe_fit("td_infonceWebsite", "td_infonce")]
    ['cut', 'glued']
    >>> [describe_fit("hyenadna", "hyena-dna"), describe_fit("naslib", "NASLib"), describe_fit("delﬁ", "delfi")]
    ['lost hyphen', 'case', 'ligature']
    >>> describe_fit("EMNH", "EMNH")  # bill-cjb/EMNH is Bill-CJB/EMNH
    'case'
    """
    quoted_key, key = make_name_key(quoted_name), make_name_key(name)
    if len(key) > len(quoted_key):
        return "cut"
    if len(key) < len(quoted_key):
        return "glued"
    normal = unicodedata.normalize("NFKC", quoted_name)
    if normal == name != quoted_name:
        return "ligature"
    # the same name (only the owner's case differs) is a case repair too
    return "case" if normal.casefold() == name.casefold() else "lost hyphen"


def find_fits(quoted_name: str, names: list[str]) -> list[str]:
    """The names (of one owner's repositories) that fit a quoted name: it begins them, or they begin it.

    >>> find_fits("Dense", ["DenseFlow", "Dense-Hybrid", "OldDense", "Den", "D"])
    ['DenseFlow', 'Dense-Hybrid', 'Den', 'D']
    """
    quoted_key = make_name_key(quoted_name)
    if not quoted_key:
        return []
    fits = []
    for name in names:
        key = make_name_key(name)
        if key and (key.startswith(quoted_key) or quoted_key.startswith(key)):
            fits.append(name)
    return fits


def split_title_words(title: str) -> list[str]:
    """A title's words in lower case, split at spaces, hyphens and punctuation.

    >>> split_title_words("RelationNet++: Bridging Spatial-Temporal Graphs")
    ['relationnet', 'bridging', 'spatial', 'temporal', 'graphs']
    """
    return [word.casefold() for word in TITLE_WORD.findall(unicodedata.normalize("NFKC", title or ""))]


def split_name_tokens(text: str) -> list[str]:
    """A name's words in lower case, split at separators, camelCase and digits.

    >>> split_name_tokens("RelationNet2_BIG-v2")
    ['relation', 'net', '2', 'big', 'v', '2']
    """
    return [token.casefold() for token in NAME_TOKEN.findall(unicodedata.normalize("NFKC", text))]


def is_named_in_title(name: str, title: str) -> bool:
    """Whether a repository name is one title word, or several consecutive ones written together.

    >>> is_named_in_title("BadGlobalMinima", "Bad Global Minima Exist"), is_named_in_title("Bad_toy", "Bad Toys")
    (True, False)
    """
    key = make_name_key(name)
    words = split_title_words(title)
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined == key:
                return True
            if not key.startswith(joined):
                break
    return False


def cut_quoted_prefix(quoted_name: str, name: str) -> str:
    """The part of a repository name after the quoted prefix (compared as names are), separators kept.

    >>> cut_quoted_prefix("SPa", "SPaCE_BIG"), cut_quoted_prefix("Adversarial", "adversarially-motivated")
    ('CE_BIG', 'ly-motivated')
    """
    left = len(make_name_key(quoted_name))
    for index, char in enumerate(name):
        if left <= 0:
            return name[index:]
        left -= len(make_name_key(char))
    return ""


def score_remainder(remainder: str, title: str) -> int:
    """+1 per word of `remainder` that is a title word (or begins one, or one begins it) or a run of title
    initials, -1 per word the title lacks; digits and single letters count nothing.

    >>> title = "Self-Paced Context Evaluation for Contextual Reinforcement Learning"
    >>> score_remainder("CE", title), score_remainder("CE_BIG", title), score_remainder("Net", title)
    (1, 0, -1)
    >>> score_remainder("Net2", "RelationNet++: Bridging"), score_remainder("ship-Mesh", "RelationNet++: Bridging")
    (1, -2)
    """
    whole = split_title_words(title)
    words = set(whole) | set(split_name_tokens(title or ""))  # RelationNet++: relationnet, relation, net
    initials = "".join(word[0] for word in whole)
    score = 0
    for token in split_name_tokens(remainder):
        if token.isdigit() or len(token) < 2:
            continue
        matches = any(
            token == word
            or (
                min(len(token), len(word)) >= MIN_PREFIX
                and (word.startswith(token) or token.startswith(word))
            )
            for word in words
        )
        score += 1 if matches or (len(token) >= MIN_INITIALS and token in initials) else -1
    return score


def choose_by_title(quoted_name: str, names: list[str], title: str) -> str | None:
    """Among several fitting names, the one the title picks: the one named whole in it, else the single best
    positive score of the part after the quoted prefix; None for a tie or no positive score."""
    named = [name for name in names if is_named_in_title(name, title)]
    if len(named) == 1:
        return named[0]
    pool = named or names
    scores = {name: score_remainder(cut_quoted_prefix(quoted_name, name), title) for name in pool}
    best = max(scores.values())
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def choose_repair(quoted_repo: str, title: str, listed: list[str]) -> Repair:
    """The repository a quoted `owner/name` means among the owner's listed `owner/name`s, or why none is chosen.

    A listed name equal to the quoted one under the comparison (case, `-`, `_`, `.` ignored) is read first.

    >>> choose_repair("nokpil/Social", "Social learning", ["nokpil/SocialNet", "nokpil/socialLLM"]).reason
    'nokpil/SocialNet, nokpil/socialLLM fit nokpil/Social and the title picks none of them: nothing repaired'
    """
    owner, _, quoted_name = quoted_repo.partition("/")
    by_name = {full.partition("/")[2]: full for full in listed}
    fits = find_fits(quoted_name, list(by_name))
    candidates = tuple(by_name[name] for name in fits)
    if not fits:
        return Repair(
            quoted_repo, None, "", (), f"no repository of {owner} fits {quoted_repo}: nothing repaired"
        )
    same = [name for name in fits if make_name_key(name) == make_name_key(quoted_name)]
    if len(fits) == 1 or len(same) == 1:
        name = same[0] if same else fits[0]
        return Repair(quoted_repo, by_name[name], describe_fit(quoted_name, name), candidates, "")
    chosen = choose_by_title(quoted_name, fits, title)
    if chosen is None:
        return Repair(quoted_repo, None, "", candidates,
                      f"{', '.join(candidates)} fit {quoted_repo} and the title picks none of them: nothing repaired")  # fmt: skip
    return Repair(
        quoted_repo, by_name[chosen], f"chosen by the title among {', '.join(candidates)}", candidates, ""
    )
