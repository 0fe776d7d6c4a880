"""Anomaly detection by reconstruction error (notebook 7): one class is normal, every other is an anomaly.

A model trained on normal images only should rebuild them better than the rest, so its error on
an image (``metrics.per_image_mse``) serves as the image's anomaly score. How well a score sorts
anomalies above normal images is measured by the area under the ROC curve (AUROC: 1 is perfect,
0.5 is chance, below 0.5 the score points the wrong way), computed by torchmetrics, the library
this project already uses for SSIM, rather than by hand.

The protocol follows Ruff et al. 2018 ("Deep One-Class Classification", Deep SVDD): train on one
class, score images of all ten.
"""

from __future__ import annotations

import torch
from torchmetrics.functional.classification import binary_auroc, binary_roc

# Ruff et al. 2018, Table 1, CIFAR-10, one-class Deep SVDD: AUROC (%) with each class as the normal one.
DEEP_SVDD_AUROC = {
    "airplane": 61.7, "automobile": 65.9, "bird": 50.8, "cat": 59.1, "deer": 60.9,
    "dog": 65.7, "frog": 67.7, "horse": 67.3, "ship": 75.9, "truck": 73.1,
}  # fmt: skip
# The same table's deep convolutional autoencoder (DCAE), scored by reconstruction error: the like-for-like row
# (transcribed from the paper, PMLR 80; no stored copy of the table was at hand to check it against here).
DCAE_AUROC = {
    "airplane": 59.1, "automobile": 57.4, "bird": 48.9, "cat": 58.4, "deer": 54.0,
    "dog": 62.2, "frog": 51.2, "horse": 58.6, "ship": 76.8, "truck": 67.3,
}  # fmt: skip


def _checked(scores: torch.Tensor, is_anomaly: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores as floats and flags as booleans, one each per image, checked."""
    scores, flags = torch.as_tensor(scores).double().flatten(), torch.as_tensor(is_anomaly).flatten()
    if scores.shape != flags.shape:
        raise ValueError(f"scores and is_anomaly must have one value per image; got {len(scores)} and {len(flags)}.")
    values = sorted({int(v) for v in flags.unique().tolist()})
    if not set(values) <= {0, 1}:
        raise ValueError(
            f"is_anomaly must hold True/False (or 1/0) per image; got the values {values[:10]}: class labels? "
            "Pass labels != normal_class."
        )
    flags = flags.bool()
    if flags.all() or not flags.any():
        raise ValueError("is_anomaly must mark some images as anomalies and leave some normal; got only one kind.")
    return scores, flags


def _in_unit_range(scores: torch.Tensor) -> torch.Tensor:
    """Scores rescaled into [0, 1], order kept: torchmetrics would pass others through a sigmoid, merging large ones."""
    low, high = scores.min(), scores.max()
    return ((scores - low) / (high - low) if high > low else torch.zeros_like(scores)).float()


def auroc(scores: torch.Tensor, is_anomaly: torch.Tensor) -> float:
    """The probability that a random anomaly scores higher than a random normal image (ties count half)."""
    scores, is_anomaly = _checked(scores, is_anomaly)
    return float(binary_auroc(_in_unit_range(scores), is_anomaly.long()))


def roc_curve(scores: torch.Tensor, is_anomaly: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """False-alarm rate and detection rate (false and true positive rates) at every threshold."""
    scores, is_anomaly = _checked(scores, is_anomaly)
    false_alarms, detections, _ = binary_roc(_in_unit_range(scores), is_anomaly.long())
    return false_alarms, detections


def threshold_for(normal_scores: torch.Tensor, false_alarm_rate: float) -> float:
    """The score above which only ``false_alarm_rate`` of these normal images lie: the alarm threshold.

    Set it on normal images the model never trained on: on its training images the errors are
    smaller, so the threshold would come out too low and raise more false alarms than planned.
    """
    if not 0 < false_alarm_rate < 1:
        raise ValueError(f"false_alarm_rate must lie between 0 and 1, e.g. 0.05; got {false_alarm_rate!r}.")
    return float(torch.quantile(torch.as_tensor(normal_scores).float(), 1 - false_alarm_rate))


def at_threshold(scores: torch.Tensor, is_anomaly: torch.Tensor, threshold: float) -> dict[str, float]:
    """What an alarm above ``threshold`` does: the share of anomalies caught and of normal images flagged."""
    scores, is_anomaly = _checked(scores, is_anomaly)
    alarm = scores > threshold
    return {
        "detected": float(alarm[is_anomaly].float().mean()),
        "false_alarms": float(alarm[~is_anomaly].float().mean()),
    }
