"""Write the table of docs/mistakes.md from the live error messages of scripts/bad_inputs.py.

Each row of ``BAD_INPUTS`` is run, and its exception's type and message fill one line of the
table between the markers ``<!-- mistakes:start -->`` and ``<!-- mistakes:end -->``. So a
reworded message is edited in the code alone.

    python scripts/mistakes.py           # rewrite the table
    python scripts/mistakes.py --check   # exit 1 if it is out of date (the tests check each row instead)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import warnings
from pathlib import Path

from bad_inputs import BAD_INPUTS, example_tensors

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "mistakes.md"


def row(name: str, raised: BaseException, folder: str) -> str:
    """The table's line for the mistake ``name`` and the exception it raised, the temporary ``folder`` hidden."""
    message = str(raised).replace("|", "\\|").replace(folder, "…")
    return f"| {name} | `{type(raised).__name__}` | {message} |"


def table() -> str:
    """The table's rows: each mistake, the exception it raises and its message, folder paths hidden."""
    tensors = example_tensors()
    rows = ["| mistake | error | message |", "|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, call, error, _ in BAD_INPUTS:
            try:
                call(tensors, Path(folder))
            except error as raised:
                rows.append(row(name, raised, folder))
            else:
                raise SystemExit(f"{name!r} raised nothing")
    return "\n".join(rows)


def main() -> int:
    """Rewrite the table between the markers, or with --check report whether it is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if out of date")
    check = parser.parse_args().check
    text = DOCUMENT.read_text()
    pattern = re.compile(r"(<!-- mistakes:start -->\n)(?:.*?\n)?(<!-- mistakes:end -->)", re.S)
    updated = pattern.sub(lambda m: m.group(1) + table() + "\n" + m.group(2), text)
    if updated == text:
        return 0
    if check:
        print(f"{DOCUMENT.relative_to(ROOT)} is out of date: run python scripts/mistakes.py")
        return 1
    DOCUMENT.write_text(updated)
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
