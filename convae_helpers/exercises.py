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

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torchvision import transforms

from .article import Encoder
from .latent import encode_all, retrieval_precision
from .metrics import per_image_mse, psnr, reconstruction_mse
from .models import count_parameters
from .settings import full_run
from .vae import code_kl


@dataclass(frozen=True)
class Exercise:
    """One exercise: its question, how to find the expected answer, and a hint for a wrong one."""

    question: str
    expected: Callable[..., Any]  # from the check's keyword arguments (often none) to the right answer
    hint: str
    tolerance: float = 0.0  # for numbers: how far off still counts as right (relative)


def _linear_parameters(inputs: int, outputs: int) -> int:
    return count_parameters(torch.nn.Linear(inputs, outputs))


def _wide_encoder() -> int:
    return count_parameters(Encoder(out_channels=32, latent_dim=200))


def _psnr_of_pca(pca: Any, images: torch.Tensor, k: int = 50) -> float:
    return psnr(reconstruction_mse(lambda x: pca.reconstruct(x, k), images))


def _value_range() -> tuple:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.25,) * 3)])
    return tuple(float(transform(np.full((32, 32, 3), value, np.uint8)).max()) for value in (0, 255))


def _dead_units(model: Any, images: torch.Tensor) -> int:
    return int((encode_all(model.encode, images) == 0).all(dim=0).sum())


def _pca_lead_at_1000() -> float:
    curves = full_run("notebook5")["rate_distortion"]["psnr"]
    return curves["PCA"]["1000"] - curves["improved model, deeper"]["1000"]


def _auroc(scores: torch.Tensor, is_anomaly: torch.Tensor) -> float:
    from .anomaly import auroc  # torchmetrics (a second to import) loads only when an AUROC answer is checked

    return auroc(scores, is_anomaly)


def _truck_auroc(model: Any, images: torch.Tensor, is_anomaly: torch.Tensor, normal_class: str) -> float | None:
    if normal_class != "truck":  # the answer for another class is no answer to this exercise
        return None
    return _auroc(per_image_mse(model.autoencode, images), is_anomaly)


def _active_values(model: Any, images: torch.Tensor) -> int:
    return int((code_kl(model, images).mean(dim=0) > 0.1).sum())


EXERCISES: dict[str, Exercise] = {
    "01.1": Exercise(
        "The smallest and largest pixel values after ToTensor and Normalize(0.5, 0.25), as a tuple.", _value_range,
        "ToTensor maps 0 and 255 to 0 and 1; Normalize then subtracts the mean (0.5) and divides by the standard "
        "deviation (0.25): work out both ends.",
    ),
    "01.2": Exercise(
        "The value a stored pixel of 51 takes after article_transform().", lambda: 51 / 127.5 - 1,
        "The transform has two steps: ToTensor divides by 255, then Normalize subtracts 0.5 and divides by 0.5.",
        1e-3,
    ),
    "02.1": Exercise(
        "The parameters of the article's encoder made twice as wide (c=32), at bottleneck 200.", _wide_encoder,
        "Each convolution after the first grows about four times (twice the maps in, twice out), the first only "
        "twice (it still takes 3 channels), and the linear layer's input doubles with the maps it flattens: 4c·8·8.",
    ),
    "02.2": Exercise(
        "The parameters of the encoder's linear layer once the second stride-2 convolution has stride 1.",
        lambda: _linear_parameters(4 * 16 * 16 * 16, 200),
        "With stride 1 the maps stay 16×16: the linear layer now receives 64 maps of 16×16; count one weight per "
        "input and output pair, plus one bias per output.",
    ),
    "03.1": Exercise(
        "The optimizer steps of one epoch of the subset with batch_size=32.",
        lambda images: math.ceil(len(images) / 32),
        "One step per batch, and a last, smaller batch still makes a step: divide and round up.",
    ),
    "03.2": Exercise(
        "The PSNR in dB of a validation MSE of 0.01 on images in [-1, 1].", lambda: 10 * math.log10(4 / 0.01),
        "PSNR = 10·log10(peak² / MSE), and the peak is the range of the values, from -1 to 1.", 1e-3,
    ),
    "04.1": Exercise(
        "The first epoch after which bottleneck 1000's validation MSE lies below PCA-200's (0: never).",
        lambda log, level: next((i + 1 for i, v in enumerate(log["validation_loss_per_epoch"]) if v < level), 0),
        "Follow the bottleneck-1000 curve from the left and stop at the first point below the dashed PCA-200 "
        "level; the epochs are counted from 1.",
    ),
    "04.2": Exercise(
        "The validation PSNR of PCA with 50 components: change the code size and measure.", _psnr_of_pca,
        "pca.reconstruct(x, 50) keeps 50 components; score it with reconstruction_mse over the validation "
        "images, then turn the MSE into dB with psnr().", 1e-3,
    ),
    "05.1": Exercise(
        "How many of the 200 code values of the article's model are zero for every validation image.", _dead_units,
        "A ReLU on the code turns every negative value into 0; a unit whose value is 0 for every image is dead. "
        "Encode the images with model.encode, then look for columns that are all zero.",
    ),
    "05.2": Exercise(
        "By how many dB PCA beats the deeper improved model at code size 1000, read off the rate-distortion figure.",
        _pca_lead_at_1000,
        "Find code size 1000 on the horizontal axis, then read the PCA curve and the deeper model's curve there "
        "and subtract; within a dB is right.", 0.06,
    ),
    "06.1": Exercise(
        "The MSE of SaltAndPepper(0.1) on a mid-grey image (all values 0), against the clean image.",
        lambda: 0.1 * (1 - 0) ** 2,
        "A tenth of the pixels turn black (-1) or white (1), an error of 1 either way, squared; the rest stay exact. "
        "Measure it on torch.zeros(1000, 3, 32, 32) to check.", 0.02,
    ),
    "06.2": Exercise(
        "The PSNR in dB of a mid-grey image with GaussianNoise(0.1) added, without any clipping.",
        lambda: 10 * math.log10(4 / 0.2**2),
        "The MSE of noise alone is its variance: the square of its standard deviation on the [-1, 1] scale.", 1e-3,
    ),
    "07.1": Exercise(
        "The autoencoder's AUROC with truck as the normal class, measured.", _truck_auroc,
        "Set normal_class = \"truck\" in the data cell, run the cells again down to the ROC figure (the model trains "
        "anew), and read the autoencoder's AUROC from its table.", 1e-3,
    ),
    "07.2": Exercise(
        "The AUROC of scores [0.1, 0.3, 0.35, 0.8] for images that are [normal, anomaly, normal, anomaly].",
        lambda: _auroc(torch.tensor([0.1, 0.3, 0.35, 0.8]), torch.tensor([False, True, False, True])),
        "Pair every anomaly with every normal image: in what share of the pairs is the anomaly's score higher?", 1e-9,
    ),
    "08.1": Exercise(
        "The precision@1 of the bottleneck-200 codes, measured with k=1.",
        lambda codes, labels: retrieval_precision(codes, labels, k=1),
        "Run retrieval_precision(codes[200], labels, k=1): with k=1 only the single nearest image counts.", 1e-6,
    ),
    "08.2": Exercise(
        "The precision@10 a random guess scores with four classes of equal size.", lambda: 1 / 4,
        "A random neighbour has the query's class as often as that class occurs among all the images.", 1e-6,
    ),
    "09.1": Exercise(
        "The code values of the ten-epoch VAE whose mean KL exceeds 0.1 nats.", _active_values,
        "code_kl(model, images) gives the KL of every code value of every image: average it over the images "
        "(dim=0) and count the values above 0.1; a stricter threshold can leave no more than before.",
    ),
    "09.2": Exercise(
        "The KL per image, in nats, of the VAE with beta = 0.01, read off the figure.", lambda sweep: sweep[0.01][0],
        "Find the point labelled β = 0.01 and read its position on the horizontal axis; mind the log scale.", 0.15,
    ),
}


def _plain(answer: Any) -> Any:
    """A one-number tensor or array (of any shape) or a NumPy number as a Python number, as if typed."""
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        return answer.item()
    if hasattr(answer, "item") and getattr(answer, "size", None) == 1:  # NumPy arrays and numbers
        return answer.item()
    return answer


def _name(text: str) -> str:
    """A loss's name as the checks compare it: "MSELoss", "nn.MSELoss()" and " mse " are all "mse"."""
    text = text.strip().lower().replace(" ", "").replace("_", "").removeprefix("torch.").removeprefix("nn.")
    return text.removesuffix("()").removesuffix("loss")


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
        return _name(answer) == _name(expected)
    return type(answer) is type(expected) and answer == expected


class Verdict(int):
    """True or False, as ``check`` returns it, that a notebook cell does not echo under the check's message."""

    def __repr__(self) -> str:
        return repr(bool(self))

    def _ipython_display_(self) -> None:  # the message printed above says it all
        pass


def _missing(task: Exercise, context: dict[str, Any]) -> list[str]:
    """The keyword arguments the check of ``task`` needs and was not given."""
    parameters = inspect.signature(task.expected).parameters.values()
    return [p.name for p in parameters if p.default is p.empty and p.name not in context]


def check(exercise: str, answer: Any, **context: Any) -> Verdict:
    """Print whether ``answer`` to ``exercise`` (e.g. "03.2") is right, with a hint if not; true if right."""
    if exercise not in EXERCISES:
        print(f"No exercise {exercise!r}; the exercises are {', '.join(EXERCISES)}.")
        return Verdict(False)
    task = EXERCISES[exercise]
    if answer is ...:
        print(f"Exercise {exercise} is not answered yet: replace ... with your answer and run the cell again.")
        return Verdict(False)
    missing = _missing(task, context)
    if missing:
        names = ", ".join(f"{name}=..." for name in missing)
        print(f"Exercise {exercise} is checked against your own objects: pass {names} too, as the exercise's cell "
              f"does: check({exercise!r}, answer, {names}).")  # fmt: skip
        return Verdict(False)
    try:
        right = _matches(answer, task.expected(**context), task.tolerance)
    except Exception as error:  # a check never stops the notebook
        print(f"Exercise {exercise}: the answer could not be checked ({type(error).__name__}: {error}).")
        return Verdict(False)
    print(f"Exercise {exercise}: right." if right else f"Exercise {exercise}: not yet. Hint: {task.hint}")
    return Verdict(right)
