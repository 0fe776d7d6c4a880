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

from convae_helpers import ConvolutionalAutoencoder, build_autoencoder
from convae_helpers.exercises import EXERCISES, check
from convae_helpers.latent import retrieval_precision
from convae_helpers.metrics import PCABaseline
from convae_helpers.vae import build_vae

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "solutions"))
from answers import ANSWERS  # noqa: E402  (the solutions folder is not a package a learner installs)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
torch.manual_seed(0)  # the stand-ins below are the same in every run
IMAGES = torch.rand(64, 3, 32, 32) * 2 - 1
MODEL = ConvolutionalAutoencoder(build_autoencoder(8, out_channels=4), verbose=False)
LOG = {"validation_loss_per_epoch": [0.05, 0.02, 0.011, 0.009, 0.008]}
CONTEXT = {  # what each notebook's check cell passes along
    "03.1": {"images": IMAGES[:50]},
    "04.1": {"log": LOG, "level": 0.01},
    "04.2": {"pca": PCABaseline(60).fit(IMAGES), "images": IMAGES},
    "05.1": {"model": ConvolutionalAutoencoder(build_autoencoder(200), verbose=False), "images": IMAGES},
    "07.1": {"model": MODEL, "images": IMAGES, "is_anomaly": torch.arange(64) % 3 == 0, "normal_class": "truck"},
    "08.1": {"codes": IMAGES.flatten(1)[:, :20], "labels": torch.arange(64) % 4},
    "09.1": {"model": ConvolutionalAutoencoder(build_vae(8, out_channels=4), verbose=False), "images": IMAGES},
    "09.2": {"sweep": {1.0: (12.0, 3, 18.0), 0.1: (60.0, 20, 20.0), 0.01: (300.0, 120, 22.0)}},
}
WRONG = {  # the typical mistake behind each hint
    "01.1": (-1.0, 1.0), "01.2": 51 / 255, "02.1": 2 * 891_480, "02.2": 4096 * 200 + 200, "03.1": 50 // 32,
    "03.2": 20.0, "04.1": 3, "04.2": 0.0, "05.1": 0, "05.2": None, "06.1": 0.05,
    "06.2": 26.02, "07.1": None, "07.2": 0.5, "08.1": None, "08.2": 0.1, "09.1": 9, "09.2": 22.0,
}  # fmt: skip


def wrong_answer(exercise: str):
    if exercise == "05.2":
        return -ANSWERS["05.2"]()  # the subtraction the wrong way round
    if exercise == "07.1":
        return 1 - ANSWERS["07.1"](**CONTEXT["07.1"])  # the score turned around
    if exercise == "08.1":
        return retrieval_precision(CONTEXT["08.1"]["codes"], CONTEXT["08.1"]["labels"], k=10)  # k left at 10
    return WRONG[exercise]


def test_every_exercise_has_a_worked_answer_and_a_wrong_one():
    assert set(ANSWERS) == set(EXERCISES) == set(WRONG)


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_the_worked_answer_passes(exercise, capsys):
    context = CONTEXT.get(exercise, {})
    assert check(exercise, ANSWERS[exercise](**context), **context)
    assert capsys.readouterr().out.strip() == f"Exercise {exercise}: right."


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_a_typical_wrong_answer_fails_with_its_hint(exercise, capsys):
    assert not check(exercise, wrong_answer(exercise), **CONTEXT.get(exercise, {}))
    assert f"Exercise {exercise}: not yet. Hint: {EXERCISES[exercise].hint}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "exercise, answer",
    [
        ("01.2", torch.tensor(-0.6)),  # computed with the transform: a one-number tensor
        ("02.2", np.int64(3_277_000)),  # a NumPy number from .sum()
        ("02.2", 3_277_000.0),
        ("01.1", [-2, 2]),  # a list, of whole numbers
        ("03.2", 26.0206),
        ("03.2", torch.tensor([26.0206])),  # a one-element tensor of shape [1]
        ("03.2", np.array([[26.0206]])),

        ("05.2", round(ANSWERS["05.2"]())),  # read off the figure, to the dB
        ("06.1", 0.0995),  # measured on noise, not typed

    ],
)
def test_other_forms_of_a_right_answer_pass(exercise, answer, capsys):
    assert check(exercise, answer), capsys.readouterr().out


def test_an_open_exercise_or_an_unknown_one_says_so_and_never_raises(capsys):
    assert not check("03.2", ...) and "not answered yet" in capsys.readouterr().out
    assert not check("99.9", 1) and "No exercise '99.9'" in capsys.readouterr().out
    assert not check("04.2", 20.0)  # the objects it is checked against, forgotten: named, with the call to make
    assert "pass pca=..., images=... too" in capsys.readouterr().out
    assert not check("01.1", "two")


def test_a_check_cell_shows_the_message_only():
    verdict = check("03.2", 26.0206)
    assert verdict and verdict == True and repr(verdict) == "True"  # noqa: E712  (it is a bool for code)
    assert verdict._ipython_display_() is None  # and Jupyter shows nothing under the message


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


def test_a_loss_is_right_in_any_of_its_usual_names(monkeypatch, capsys):
    from convae_helpers import exercises

    monkeypatch.setitem(exercises.EXERCISES, "99.1", exercises.Exercise("The loss.", lambda: "mse", "MSE."))
    assert all(check("99.1", name) for name in ("mse", " MSE ", "MSELoss", "nn.MSELoss()", "torch.nn.MSELoss"))
    assert not check("99.1", "L1Loss")
