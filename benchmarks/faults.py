"""`make faults`: inject network faults, SIGKILL data runs, feed bad input and canary secrets; print a tally.

The cases are those of tests/robustness_cases.py, which tests/test_robustness.py runs too (here with more kills
and more generated examples). Everything runs against the local fakes in tests/fakes, with no network. The last
line is the tally:

    faults injected: N, survived: N, bad inputs tried: N, crashes: 0, secrets leaked: 0

A crash is an exception escaping the pipeline, or a time or memory bound broken, for one input. The exit status
is 1 unless every injected fault was survived, nothing crashed, nothing leaked and every check held.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import repair_cases  # noqa: E402
import robustness_cases as rc  # noqa: E402

from iclr_tools.report import as_paragraph, write_blocks  # noqa: E402

DEFAULTS = {"kills": 8, "seed": 2024, "examples": 400}  # `make faults`: the run the README reports


def run_properties(examples: int) -> tuple[list[rc.Outcome], int, int]:
    """Every generated-input property: (one outcome per property, inputs tried, inputs that crashed)."""
    outcomes, tried, crashed = [], 0, 0
    for prop in rc.PROPERTIES:
        signatures: Counter = Counter()
        first: dict[str, object] = {}

        def on_error(
            value: object, error: BaseException, signatures: Counter = signatures, first: dict = first
        ) -> None:
            key = f"{type(error).__name__}: {str(error)[:90]}"
            signatures[key] += 1
            first.setdefault(key, value)

        count = rc.run_property(prop, examples, on_error)
        failed = sum(signatures.values())
        tried += count
        crashed += failed
        detail = f"{count} inputs" + "".join(
            f"; {n} x {key} (e.g. {first[key]!r:.120})" for key, n in signatures.most_common(4)
        )
        outcomes.append(rc.Outcome("generated", prop.name, not failed, detail, bool(failed)))
    return outcomes, tried, crashed


def main(argv: list[str] | None = None) -> int:
    """Run every section, print each outcome and the tally; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kills", type=int, default=DEFAULTS["kills"], help="SIGKILLs of the interrupted data run"
    )
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of the kill points")
    parser.add_argument(
        "--examples", type=int, default=DEFAULTS["examples"], help="generated inputs per property"
    )
    args = parser.parse_args(argv)
    run_started = time.monotonic()
    outcomes: list[rc.Outcome] = []
    generated = {"tried": 0, "crashed": 0}
    with tempfile.TemporaryDirectory(prefix="iclr-faults-") as temp:
        tmp = Path(temp)

        def properties() -> list[rc.Outcome]:
            found, generated["tried"], generated["crashed"] = run_properties(args.examples)
            return found

        sections: list[tuple[str, Callable[[], list[rc.Outcome]]]] = [
            ("network faults, fetched by archive", lambda: rc.run_fault_matrix("archive", tmp / "archive")),
            ("network faults, fetched by partial clone", lambda: rc.run_fault_matrix("clone", tmp / "clone")),
            ("git server faults (absent blob, stall mid-pack, short SHA, vanished branch)",
             lambda: rc.run_git_server_cases(tmp / "git-server")),
            ("listing faults of the link repair (missing owner, rate limit, server error, pagination cut short)",
             lambda: repair_cases.run_listing_faults(tmp / "listing")),
            ("later history that cannot be walked (code released after the conference: broken, failing midway)",
             lambda: rc.run_later_history_cases(tmp / "later-history")),
            (f"{args.kills} SIGKILLs of a live data run (seed {args.seed})",
             lambda: rc.run_interruptions(tmp / "kills", args.kills, args.seed)),
            ("cache files that are not final records",
             lambda: [rc.check_corrupt_cache_file(label, tmp / f"cache-{n}")
                      for n, label in enumerate(rc.CORRUPT_CACHE_FILES)]),
            ("bad files, scanned", lambda: [rc.run_bad_files(case, tmp / f"bad-{n}")
                                            for n, case in enumerate(rc.BAD_FILE_CASES)]),
            ("hostile repositories, fetched and scanned",
             lambda: [rc.run_hostile_repo(case, tmp / f"hostile-{n}") for n, case in enumerate(rc.HOSTILE_REPOS)]),
            (f"generated input ({args.examples} per property, hypothesis)", properties),
            ("canary secrets", lambda: [*rc.run_secret_canaries(tmp / "secrets"),
                                        rc.run_notebook_canaries(tmp / "notebook")]),
        ]  # fmt: skip
        for title, run in sections:
            print(f"== {title}", flush=True)
            started = time.monotonic()
            try:
                found = run()
            except Exception as error:  # a runner that breaks is itself a crash
                text = "".join(traceback.format_exception(error))[-2000:]
                found = [rc.Outcome("check", title, False, text, crashed=True)]
            for outcome in found:
                print(f"   {outcome}", flush=True)
            print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
            outcomes += found
    faults = [o for o in outcomes if o.group == "fault"]
    survived = sum(o.ok for o in faults)
    bad_inputs = sum(o.group == "bad_input" for o in outcomes) + generated["tried"]
    crashes = sum(o.crashed for o in outcomes if o.group != "generated") + generated["crashed"]
    leaks = sum(len(o.leaks) for o in outcomes)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(f"failed: {len(failed)}")
        for outcome in failed:
            print(f"   {outcome}")
    tally = (
        f"faults injected: {len(faults)}, survived: {survived}, bad inputs tried: {bad_inputs}, "
        f"crashes: {crashes}, secrets leaked: {leaks}"
    )
    print(tally)
    if vars(args) == DEFAULTS:  # the README reports `make faults` as it is run, not a variant
        minutes = (time.monotonic() - run_started) / 60
        write_blocks(ROOT / "README.md", {"faults": format_readme_tally(tally, minutes, failed)})
    return 1 if crashes or leaks or survived != len(faults) or failed else 0


def format_readme_tally(tally: str, minutes: float, failed: list) -> str:
    """The README's line on the last `make faults` run.

    >>> format_readme_tally("faults injected: 2, survived: 2", 3.2, []).strip()
    'The last `make faults` run (3 minutes): faults injected: 2, survived: 2.'
    """
    checks = f"; {len(failed)} check(s) failed" if failed else ""
    return as_paragraph(f"The last `make faults` run ({minutes:.0f} minutes): {tally}{checks}.")


if __name__ == "__main__":
    sys.exit(main())
