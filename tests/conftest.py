"""Shared fixtures: small datasets of the offline images, in the article's dataset class.

scripts/ goes on the import path: the table of mistakes (scripts/bad_inputs.py) lives there, beside the
script that writes docs/mistakes.md from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from convae_helpers import CustomCIFAR10, article_transform, extract_each_class
from convae_helpers.data import load_offline_cifar10

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))


@pytest.fixture(scope="session")
def offline_train():
    return load_offline_cifar10(train=True, n=640)


@pytest.fixture(scope="session")
def offline_validation():
    return load_offline_cifar10(train=False, n=200)


@pytest.fixture(scope="session")
def datasets(offline_train, offline_validation):
    """(training, validation, test) in the article's form: CustomCIFAR10 with its transform."""
    transform = article_transform()
    return (
        CustomCIFAR10(list(offline_train.data), transform),
        CustomCIFAR10(list(offline_validation.data), transform),
        CustomCIFAR10(extract_each_class(offline_validation), transform),
    )


@pytest.fixture(scope="session")
def tensors(datasets):
    """The same three sets as tensors (N, 3, 32, 32) in [-1, 1]."""
    return tuple(torch.stack([d[i] for i in range(len(d))]) for d in datasets)
