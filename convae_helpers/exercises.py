"""Exercises that check themselves: ``check("03.2", answer)`` says right or wrong, and gives a hint when wrong.

Every notebook ends with at least two exercises. A check prints its verdict and returns True or
False; it never raises, so a notebook run top to bottom does not stop at an exercise left open.
It needs nothing but this package, so it works the same in Colab, Kaggle, Gradient, JupyterLab
and offline. Some checks take the objects the answer was computed from (``check("04.2", answer,
pca=pca, images=validation_x)``) and work out the expected value from them. The checks are for
feedback, not for grading: their code shows what they expect. Worked solutions are in the
repository's ``solutions/`` folder, for teachers to hand out after class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question, how to find the expected answer, and a hint for a wrong one."""

    question: str
    expected: Callable[..., Any]  # from the check's keyword arguments (often none) to the right answer
    hint: str
    tolerance: float = 0.0  # for numbers: how far off still counts as right (relative)


def _psnr_of_pca(pca: Any, images: torch.Tensor, k: int = 50) -> float:
    from .metrics import psnr, reconstruction_mse

    return psnr(reconstruction_mse(lambda x: pca.reconstruct(x, k), images))


def _best_loss() -> str:
    from .settings import full_run

    runs = full_run("notebook5")["losses"]["runs"]
    return max(runs, key=lambda loss: runs[loss]["test_psnr"])


def _margin_over_pca() -> float:
    from .settings import full_run

    runs = full_run("notebook5")["improved"]["runs"]
    return runs["improved model, deeper"]["test_psnr"] - runs["PCA, 200 components"]["test_psnr"]


EXERCISES: dict[str, Exercise] = {
    "01.1": Exercise(
        "The shape of one image after article_transform(), as a tuple.", lambda: (3, 32, 32),
        "Files store height, width, channels; PyTorch's convolutions want another order. What does ToTensor do?",
    ),
    "01.2": Exercise(
        "The value a stored pixel of 51 takes after article_transform().", lambda: 51 / 127.5 - 1,
        "The transform has two steps: ToTensor divides by 255, then Normalize subtracts 0.5 and divides by 0.5.",
        1e-3,
    ),
    "02.1": Exercise(
        "The shape of build_autoencoder(1000).encoder(x) for a batch x of 8 images.", lambda: (8, 1000),
        "Follow the encoder to its very end: what comes after the last convolution, and how many numbers leave it?",
    ),
    "02.2": Exercise(
        "The number of parameters of the encoder's linear layer at bottleneck 200.", lambda: 4096 * 200 + 200,
        "A linear layer from n to m numbers has a weight for every pair, and one more number per output.",
    ),
    "03.1": Exercise(
        "The batches in one epoch of 50,000 images with batch_size=64.", lambda: math.ceil(50_000 / 64),
        "50,000 is not a multiple of 64: the images left over still form a batch of their own.",
    ),
    "03.2": Exercise(
        "The PSNR in dB of a validation MSE of 0.01 on images in [-1, 1].", lambda: 10 * math.log10(4 / 0.01),
        "PSNR = 10·log10(peak² / MSE), and the peak is the range of the values, from -1 to 1.", 1e-3,
    ),
    "04.1": Exercise(
        "How many times fewer numbers a code of 1000 holds than a 32x32 colour image.", lambda: 3 * 32 * 32 / 1000,
        "Count the numbers in one image (three channels of 32 by 32), then divide the larger count by the smaller.",
        1e-3,
    ),
    "04.2": Exercise(
        "The validation PSNR of PCA with 50 components: change the code size and measure.", _psnr_of_pca,
        "pca.reconstruct(x, 50) keeps 50 components; score it with reconstruction_mse over the validation "
        "images, then turn the MSE into dB with psnr().", 1e-3,
    ),
    "05.1": Exercise(
        "The loss (mse, l1 or ms-ssim+l1) whose model scored the best test PSNR in the full run.", _best_loss,
        "Read the full-run table's test PSNR column, not the training loss: a loss can win its own score only.",
    ),
    "05.2": Exercise(
        "By how many dB the deeper improved model beats PCA-200 on the test folder in the full run.", _margin_over_pca,
        "Subtract PCA's test PSNR from the deeper model's, both from the full-run table; mind the sign.", 0.02,
    ),
    "06.1": Exercise(
        "The standard deviation of GaussianNoise(0.1) on [-1, 1] images, before clipping.", lambda: 0.2,
        "σ is stated on the [0, 1] scale. How much wider is the range from -1 to 1?", 0.01,
    ),
    "06.2": Exercise(
        "The PSNR in dB of a mid-grey image with GaussianNoise(0.1) added, without any clipping.",
        lambda: 10 * math.log10(4 / 0.2**2),
        "The MSE of noise alone is its variance: the square of its standard deviation on the [-1, 1] scale.", 1e-3,
    ),
    "07.1": Exercise(
        "The AUROC of a score that puts every anomaly below every normal image.", lambda: 0.0,
        "AUROC is the chance that a random anomaly scores higher than a random normal image.", 1e-9,
    ),
    "07.2": Exercise(
        "The AUROC of scores [0.1, 0.3, 0.35, 0.8] for images that are [normal, anomaly, normal, anomaly].",
        lambda: 0.75, "Pair every anomaly with every normal image: in what share of the pairs is the anomaly's score "
        "higher?", 1e-9,
    ),  # fmt: skip
    "08.1": Exercise(
        "The midpoint of the pixel blend of images a and b (a tensor like a).", lambda a, b: (a + b) / 2,
        "A blend weights both images; at the midpoint both weigh the same, and the weights add up to one.", 1e-5,
    ),
    "08.2": Exercise(
        "The precision@10 a random guess scores with four classes of equal size.", lambda: 0.25,
        "A random neighbour has the query's class as often as that class occurs among all the images.", 1e-6,
    ),
}


def _plain(answer: Any) -> Any:
    """A one-number tensor or NumPy number as a Python number, so that a computed answer counts like a typed one."""
    if hasattr(answer, "item") and getattr(answer, "ndim", None) == 0:
        return answer.item()
    return answer


def _matches(answer: Any, expected: Any, tolerance: float) -> bool:
    if not isinstance(expected, torch.Tensor):
        answer = _plain(answer)
    if isinstance(expected, torch.Tensor):
        answer = torch.as_tensor(answer) if not isinstance(answer, torch.Tensor) else answer
        return answer.shape == expected.shape and torch.allclose(answer.float(), expected.float(), rtol=tolerance)
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(answer, numbers) and not isinstance(answer, bool):
        return math.isclose(answer, expected, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, tuple) and isinstance(answer, (tuple, list, torch.Size)):
        return tuple(answer) == expected
    if isinstance(expected, str) and isinstance(answer, str):
        return answer.strip().lower() == expected
    return type(answer) is type(expected) and answer == expected


def check(exercise: str, answer: Any, **context: Any) -> bool:
    """Print whether ``answer`` to ``exercise`` (e.g. "03.2") is right, with a hint if not; return True if right."""
    if exercise not in EXERCISES:
        print(f"No exercise {exercise!r}; the exercises are {', '.join(EXERCISES)}.")
        return False
    task = EXERCISES[exercise]
    if answer is ...:
        print(f"Exercise {exercise} is not answered yet: replace ... with your answer and run the cell again.")
        return False
    try:
        right = _matches(answer, task.expected(**context), task.tolerance)
    except Exception as error:  # a check never stops the notebook
        print(f"Exercise {exercise}: the answer could not be checked ({type(error).__name__}: {error}).")
        return False
    print(f"Exercise {exercise}: right." if right else f"Exercise {exercise}: not yet. Hint: {task.hint}")
    return right
