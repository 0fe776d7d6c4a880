"""The notebooks' prose: at most half of what a learner reads, in short cells, quoting what the outputs show.

Three rules, checked on every committed notebook:

* the Markdown is at most half of the cell text (Markdown and code characters together);
* no Markdown cell is longer than ``LONGEST_CELL`` characters;
* every figure with a unit (dB, %, s, min) in the Markdown appears in that notebook's own outputs, or its
  sentence names where it comes from: the article, a paper or a document in ``docs/`` (taken on trust), or
  another notebook, whose committed outputs must then show it.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LONGEST_CELL = 1200
PROSE_SHARE = 0.5

# A number with a unit: "24.13 dB", "45,000 s", "56.5%", "25 min" (not "3x3" or "1e-3", which carry no unit).
FIGURE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(?:dB|%|min|s)(?![\w])")
# A sentence that names a source outside the notebooks: the article, a paper, the docs, the README.
SOURCE = re.compile(r"the article|et al\.|published|paper|docs/|README|performance\.md", re.I)
# A sentence that names other notebooks: "notebook 3", "notebooks 3 and 4", "notebooks 6-8".
OTHER_NOTEBOOKS = re.compile(r"notebooks? (\d+(?:(?:, | and | or |-| to )\d+)*)", re.I)


def cells(path: Path, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == kind]


@functools.cache  # every notebook's test reads the others' outputs too
def outputs_text(path: Path) -> str:
    """All the text a committed run showed: streams, and the text forms of results and displays (tables)."""
    parts = []
    for cell in json.loads(path.read_text())["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            data = output.get("data", {})
            parts += ["".join(data.get(kind, "")) for kind in ("text/plain", "text/markdown", "text/html")]
    return "\n".join(parts)


def sentences(markdown: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", markdown)  # code spans are code
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are addresses
    return [s for s in re.split(r"(?<=[.!?:])\s+(?=[A-Z(*])|\n\s*\n|\n(?=\s*(?:[-*|]|\d+\.) )", text) if s]


def named_notebooks(sentence: str) -> set[int]:
    """The numbers of the notebooks a sentence names: {3, 4} for "notebooks 3 and 4", {6, 7, 8} for "notebooks 6-8"."""
    found = set()
    for group in OTHER_NOTEBOOKS.findall(sentence):
        for part in re.split(r", | and | or ", group):
            low, _, high = re.sub(r" to ", "-", part).partition("-")
            found |= set(range(int(low), int(high or low) + 1))
    return found


def unsourced_figures(markdown: str, shown: str, others: dict[int, str] | None = None) -> list[str]:
    """The figures with a unit in ``markdown`` that ``shown`` (the outputs) lacks and no source accounts for.

    ``others`` maps a notebook's number to its outputs: a sentence that names notebook 3 may quote what
    notebook 3's outputs show."""
    missing = []
    for sentence in sentences(markdown):
        if SOURCE.search(sentence):
            continue
        seen = "\n".join([shown, *((others or {}).get(n, "") for n in named_notebooks(sentence))])
        for match in FIGURE.finditer(sentence):
            number = match.group(1) + (match.group(2) or "")
            forms = {number, number.replace(",", "")}
            if not any(re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", seen) for form in forms):
                missing.append(match.group(0))
    return missing


def test_the_rule_finds_a_figure_the_outputs_lack_and_accepts_a_named_source():
    shown = "validation PSNR 24.13 dB on 45000 images"
    assert unsourced_figures("It scores 24.13 dB on 45,000 images.", shown) == []
    assert unsourced_figures("It scores 24.09 dB.", shown) == ["24.09 dB"]
    assert unsourced_figures("It scores 24.1 dB.", shown) == ["24.1 dB"]  # 24.13 is not 24.1
    assert unsourced_figures("The article reports 21.5 dB.", shown) == []
    assert unsourced_figures("Notebook 5 reached 26.24 dB.", shown, {5: "26.24 dB"}) == []
    assert unsourced_figures("Notebook 5 reached 26.24 dB.", shown, {5: "26.27 dB"}) == ["26.24 dB"]
    assert unsourced_figures("Notebooks 3-5 reached 26.24 dB.", shown, {4: "PSNR 26.24"}) == []
    assert unsourced_figures("Notebooks 3 and 6 reached 26.24 dB.", shown, {4: "PSNR 26.24"}) == ["26.24 dB"]
    assert unsourced_figures("Use `lr=2e-3` and 3x3 kernels.", shown) == []
    assert unsourced_figures("A run took 17 min here. It scored 24.13 dB.", shown) == ["17 min"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_is_at_most_half_of_the_cell_text(path):
    prose = sum(map(len, cells(path, "markdown")))
    code = sum(map(len, cells(path, "code")))
    assert prose <= PROSE_SHARE * (prose + code), f"prose {prose / (prose + code):.0%} of {prose + code} characters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_markdown_cell_is_long(path):
    long = [(len(text), text[:60]) for text in cells(path, "markdown") if len(text) > LONGEST_CELL]
    assert not long, f"Markdown cells over {LONGEST_CELL} characters: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_in_the_prose_are_in_the_outputs(path):
    shown = outputs_text(path)
    if not shown.strip():
        pytest.skip("no committed outputs to compare with")
    others = {int(other.name[:2]): outputs_text(other) for other in NOTEBOOKS}
    missing = {
        text[:70]: found for text in cells(path, "markdown") if (found := unsourced_figures(text, shown, others))
    }
    assert not missing, f"figures the outputs do not show (quote the output, or name the source): {missing}"
