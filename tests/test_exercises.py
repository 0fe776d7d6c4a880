"""Every exercise's check passes the worked answer of solutions/ and fails a typical wrong one, with its hint.

The notebooks are not run again for this: each check gets the objects it needs from small stand-ins.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from convae_helpers.exercises import EXERCISES, check
from convae_helpers.metrics import PCABaseline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "solutions"))
from answers import ANSWERS  # noqa: E402  (the solutions folder is not a package a learner installs)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
IMAGES = torch.rand(64, 3, 32, 32) * 2 - 1
CONTEXT = {  # what each notebook's check cell passes along
    "04.2": {"pca": PCABaseline(60).fit(IMAGES), "images": IMAGES},
    "08.1": {"a": IMAGES[0], "b": IMAGES[1]},
}
WRONG = {  # the typical mistake behind each hint
    "01.1": (32, 32, 3), "01.2": 51 / 255, "02.1": (8, 64, 8, 8), "02.2": 4096 * 200, "03.1": 781,
    "03.2": 20.0, "04.1": 1000 / 3072, "04.2": 0.0, "05.1": "ms-ssim+l1", "05.2": None, "06.1": 0.1,
    "06.2": 26.02, "07.1": 1.0, "07.2": 0.5, "08.1": None, "08.2": 0.1,
}  # fmt: skip


def wrong_answer(exercise: str):
    if exercise == "05.2":
        return -ANSWERS["05.2"]()  # the subtraction the wrong way round
    if exercise == "08.1":
        return IMAGES[0] + IMAGES[1]  # forgetting the weights
    return WRONG[exercise]


def test_every_exercise_has_a_worked_answer_and_a_wrong_one():
    assert set(ANSWERS) == set(EXERCISES) == set(WRONG)


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_the_worked_answer_passes(exercise, capsys):
    context = CONTEXT.get(exercise, {})
    assert check(exercise, ANSWERS[exercise](**context), **context) is True
    assert capsys.readouterr().out.strip() == f"Exercise {exercise}: right."


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_a_typical_wrong_answer_fails_with_its_hint(exercise, capsys):
    assert check(exercise, wrong_answer(exercise), **CONTEXT.get(exercise, {})) is False
    assert f"Exercise {exercise}: not yet. Hint: {EXERCISES[exercise].hint}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "exercise, answer",
    [
        ("01.2", torch.tensor(-0.6)),  # computed with the transform: a one-number tensor
        ("02.2", np.int64(819_400)),  # a NumPy number from .sum()
        ("02.2", 819_400.0),
        ("01.1", torch.Size([3, 32, 32])),  # straight from .shape
        ("03.2", 26.0206),
        ("05.2", round(ANSWERS["05.2"](), 2)),  # read off the table, two decimals
        ("06.1", 0.1999),  # measured on noise, not typed
        ("05.1", " MSE "),
    ],
)
def test_other_forms_of_a_right_answer_pass(exercise, answer, capsys):
    assert check(exercise, answer) is True, capsys.readouterr().out


def test_an_open_exercise_or_an_unknown_one_says_so_and_never_raises(capsys):
    assert check("03.2", ...) is False and "not answered yet" in capsys.readouterr().out
    assert check("99.9", 1) is False and "No exercise '99.9'" in capsys.readouterr().out
    assert check("04.2", 20.0) is False and "could not be checked" in capsys.readouterr().out  # context forgotten
    assert check("01.1", "three") is False


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_ends_with_two_open_exercises_of_its_own(path):
    cells = json.loads(path.read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    asked = [re.search(r'check\("(\d\d\.\d)", answer', text) for text in code]
    asked = [m.group(1) for m in asked if m]
    assert len(asked) >= 2 and all(e.startswith(path.stem[:2]) and e in EXERCISES for e in asked), asked
    for text in code:
        if 'check("' in text:
            assert "answer = ...  #" in text, "committed notebooks leave the exercises unanswered"
