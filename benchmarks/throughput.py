"""Training speed: the article's pipeline against the project's ``train``, side by side in one process.

Both train the same model (the article's autoencoder, latent 200, the same initial weights)
on the same images with the same optimizer (Adam), loss (MSE) and batch size, for one epoch
including validation, on the same device:

* ``article``: the article's loop (``article_train``): DataLoaders over the article's dataset class,
  converting and normalising every image in every epoch, plain Adam at a constant rate, fp32, the default
  memory layout, ``loop.train_epoch`` and ``loop.evaluate`` once per epoch and a picture;
* ``project``: ``train()`` with the defaults of ``device.speed_settings`` (tensors on the device, fused Adam; on
  the CPU channels_last; on CUDA fp32 in the default layout, cudnn.benchmark and CUDA graphs);
* ``no-cuda-graphs``: the same with ``CONVAE_CUDA_GRAPHS=0``, each step launched eagerly.

After a warm-up of each, the runs alternate A B A B ... so that drifts of the machine's speed
hit both alike; the figure of merit is the median of the per-pair ratios. Each time is the
whole ``train`` call, the project's one-off conversion of the datasets into tensors included.

    python benchmarks/throughput.py                 # offline images, 6,400 training images
    python benchmarks/throughput.py --data /tmp/cifar10-jpeg/train --images 12800
    python benchmarks/throughput.py --device cuda --against no-cuda-graphs

``--per-step`` measures each speed setting alone instead, one training step at a time: the model trains for
``--rounds`` rounds of ``--steps`` steps on random images in [-1, 1], each setting in turn, and the median images
per second of each are compared with plain fp32 steps (fp32, channels_last, fused Adam, both, fewer threads on a
CPU, bf16 autocast; torch.compile too with ``--compile``, tens of seconds to compile). No data pipeline and no
validation: only the step. On a CPU, "half the threads" runs channels_last and fused Adam on half of PyTorch's
default thread count (one per core), for the question whether fewer threads help.

    python benchmarks/throughput.py --per-step --compile --device cpu

Results go to the screen and, as JSON with the settings, to ``--out`` (default runs/benchmarks/throughput.json).
"""

from __future__ import annotations

import os
import resource
import statistics
import time

import numpy as np
import torch
from common import MODELS, benchmark_parser, machine, write_results
from torch import nn
from torch.utils.data import DataLoader

from convae_helpers import ConvolutionalAutoencoder, CustomCIFAR10, article_transform
from convae_helpers.article import init_weights
from convae_helpers.data import load_image_folder, load_offline_cifar10
from convae_helpers.device import pick_device
from convae_helpers.loop import evaluate, reconstruction_grid, train_epoch

VARIANTS = {  # the environment each variant runs in; "article" runs article_train, the others train()
    "article": {},
    "project": {},
    "no-cuda-graphs": {"CONVAE_CUDA_GRAPHS": "0"},  # the project's defaults, each step launched eagerly
}
STEP_SETTINGS = {  # --per-step: (channels_last, fused Adam, bf16 autocast, torch.compile)
    "fp32": (False, False, False, False),
    "channels_last": (True, False, False, False),
    "fused Adam": (False, True, False, False),
    "channels_last + fused": (True, True, False, False),
    "half the threads (+ channels_last, fused)": (True, True, False, False),
    "bf16 autocast": (False, False, True, False),
    "compile (+ channels_last, fused)": (True, True, False, True),
}
FEWER_THREADS = "half the threads (+ channels_last, fused)"
# --model: the name in MODELS ("improved" here is the improved model's first form, "deeper" notebook 5's last)
NETWORKS = {"article": "article", "improved": "improved-base", "deeper": "improved"}


def network(name: str) -> nn.Module:
    """The network ``--model name`` trains, at bottleneck 200."""
    return MODELS[NETWORKS[name]].build(200)


def images(source: str | None, n: int) -> np.ndarray:
    """``n`` uint8 images (N, 32, 32, 3): from an ImageFolder tree, or the offline images."""
    data = load_image_folder(source).data if source else load_offline_cifar10(True, n=n).data
    return data[np.random.default_rng(0).permutation(len(data))[:n]]


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory so far: allocated on the GPU, or the process's resident set on the CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def article_train(net: nn.Module, datasets: tuple, device: torch.device, batch_size: int, epochs: int) -> None:
    """The article's way to train: DataLoaders over the datasets, plain Adam at a constant rate, fp32, the default
    layout; after every epoch the validation loss and the test images' reconstructions, as ``train()`` does."""
    training, validation, test = datasets
    torch.manual_seed(0)
    net.apply(init_weights)
    optimizer, loss = torch.optim.Adam(net.parameters(), lr=1e-3), nn.MSELoss()

    def batches(dataset, size):
        return ((images.to(device), images.to(device)) for images, _ in DataLoader(dataset, size))

    for _ in range(epochs):
        train_epoch(net, batches(training, batch_size), loss, optimizer, [])
        evaluate(net, batches(validation, batch_size), loss)
        with torch.inference_mode():
            shown = torch.cat([images for images, _ in batches(test, 64)])
            reconstruction_grid(shown, net(shown))


def run(
    name: str, data: list, device: str | None, batch_size: int, epochs: int = 1, model_name: str = "article"
) -> tuple[float, torch.device]:
    """Seconds for ``epochs`` epochs of variant ``name``: the article's loop, or one ``train`` call."""
    datasets = tuple(CustomCIFAR10(d, article_transform()) for d in data)
    model = ConvolutionalAutoencoder(network(model_name), device=device, verbose=False)
    saved = {key: os.environ.get(key) for key in VARIANTS[name]}
    os.environ.update(VARIANTS[name])
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    try:
        if name == "article":
            article_train(model.network, datasets, model.device, batch_size, epochs)
        else:
            model.train(nn.MSELoss(), epochs, batch_size, *datasets, progress=False)
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started, model.device


def parser():
    """The shared options, the A/B comparison's, and ``--per-step``'s."""
    found = benchmark_parser(__doc__, "throughput.json", "data", "device",
                             data=dict(required=False, default=None,
                                       help="ImageFolder tree (default: the offline images)"))  # fmt: skip
    found.add_argument("--images", type=int, default=6400, help="training images per epoch")
    found.add_argument("--batch-size", type=int, default=64)
    found.add_argument("--pairs", type=int, default=3, help="timed A B pairs after the warm-up")
    found.add_argument("--variant", default="project", choices=list(VARIANTS), help="B, the setting measured")
    found.add_argument("--against", default="article", choices=list(VARIANTS), help="A, what B is compared with")
    found.add_argument("--epochs", type=int, default=1, help="epochs per run: one-off costs amortise over more")
    found.add_argument("--model", default="article", choices=list(NETWORKS), help="the network both sides train")
    found.add_argument("--per-step", action="store_true", help="time each speed setting's training steps alone")
    found.add_argument("--rounds", type=int, default=3, help="--per-step: timed rounds of every setting")
    found.add_argument("--steps", type=int, default=20, help="--per-step: steps per round")
    found.add_argument("--compile", action="store_true", help="--per-step: torch.compile too (slow to compile)")
    return found


def timed_pairs(args, data: list, pair: tuple[str, str]) -> tuple[dict[str, list[float]], torch.device]:
    """Seconds of each run of A and B, after a warm-up of each, the runs alternating A B A B ..."""
    for name in pair:  # warm-up: first-call costs (allocators, cudnn autotuning, compilation)
        seconds, device = run(name, data, args.device, args.batch_size, args.epochs, args.model)
        print(f"warm-up {name}: {seconds:.1f} s")
    times: dict[str, list[float]] = {name: [] for name in pair}
    for i in range(args.pairs):
        for name in pair:
            seconds, device = run(name, data, args.device, args.batch_size, args.epochs, args.model)
            times[name].append(seconds)
            print(f"pair {i + 1} {name}: {args.images * args.epochs / seconds:.0f} images/s ({seconds:.1f} s)",
                  flush=True)  # fmt: skip
    return times, device


def compare(args) -> dict:
    """The A/B comparison of two variants of ``train``: images per second of each and the median ratio."""
    pool = images(args.data, args.images + args.images // 10)
    data = [list(pool[: args.images]), list(pool[args.images :]), list(pool[-10:])]
    pair = (args.against, args.variant)
    print(f"machine: {machine()}")
    print(
        f"data: {args.data or 'offline images'}; {args.images} training + {len(data[1])} validation images, "
        f"batch {args.batch_size}, {args.epochs} epoch(s) per run, model {args.model}; A = {pair[0]}, B = {pair[1]}"
    )
    times, device = timed_pairs(args, data, pair)
    work = args.images * args.epochs  # training images per run
    ratios = [a / b for a, b in zip(times[args.against], times[args.variant])]
    rates = {name: work / statistics.median(times[name]) for name in pair}
    for name in pair:
        print(f"{name:32s} median {rates[name]:7.0f} images/s")
    print(
        f"speed-up {args.variant} / {args.against}: median {statistics.median(ratios):.2f}x "
        f"(pairs: {', '.join(f'{r:.2f}' for r in ratios)}); peak memory {peak_memory_mb(device):.0f} MB on {device}"
    )
    return {"seconds": times, "images_per_second": rates, "speed_up": statistics.median(ratios),
            "pair_ratios": ratios, "device": str(device), "peak_memory_mb": peak_memory_mb(device)}  # fmt: skip


def make_step(settings: tuple[bool, bool, bool, bool], device: str, model_name: str = "article"):
    """A function that runs one training step on a batch, with the given speed settings."""
    channels_last, fused, bf16, compiled = settings
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    net = network(model_name).to(device, memory_format=memory_format)
    optimizer = torch.optim.Adam(net.parameters(), 1e-3, fused=fused)
    forward = torch.compile(net) if compiled else net

    def step(batch: torch.Tensor) -> None:
        batch = batch.contiguous(memory_format=memory_format)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.mse_loss(forward(batch), batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def step_threads(compiled: bool, device: str, default_threads: int) -> dict[str, int]:
    """The settings ``--per-step`` measures, each with its thread count: fewer threads only on a CPU with two or
    more, torch.compile only when asked for."""
    names = [name for name in STEP_SETTINGS if compiled or not STEP_SETTINGS[name][3]]
    if device != "cpu" or default_threads < 2:
        names.remove(FEWER_THREADS)
    return {name: max(1, default_threads // 2) if name == FEWER_THREADS else default_threads for name in names}


def timed_round(steps: dict, threads: dict[str, int], batches, device: str) -> dict[str, float]:
    """Images per second of each setting over one pass through ``batches``, the settings taking turns."""
    rates = {}
    for name, step in steps.items():
        torch.set_num_threads(threads[name])
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        for batch in batches:
            step(batch)
        if device == "cuda":
            torch.cuda.synchronize()
        rates[name] = len(batches) * len(batches[0]) / (time.perf_counter() - started)
    return rates


def per_step(args) -> dict:
    """Median images per second of each speed setting, training steps alone, and its ratio to plain fp32."""
    device, default_threads = pick_device(args.device).type, torch.get_num_threads()
    threads = step_threads(args.compile, device, default_threads)
    batches = (torch.rand(args.steps, args.batch_size, 3, 32, 32, device=device) * 2 - 1).unbind()
    steps = {}
    for name in threads:  # build, then warm up (compilation happens here)
        torch.set_num_threads(threads[name])
        steps[name] = make_step(STEP_SETTINGS[name], device, args.model)
        for batch in batches[:3]:
            steps[name](batch)
    rounds = [timed_round(steps, threads, batches, device) for _ in range(args.rounds)]
    torch.set_num_threads(default_threads)
    rates = {name: statistics.median(r[name] for r in rounds) for name in threads}
    print(f"machine: {machine()}; {args.rounds} rounds of {args.steps} steps of batch {args.batch_size} on {device}")
    for name, rate in rates.items():
        print(f"{name:42s} {threads[name]:2d} threads {rate:7.0f} images/s  {rate / rates['fp32']:5.2f}x")
    return {"device": device, "threads": threads, "images_per_second": rates,
            "ratio_to_fp32": {name: rate / rates["fp32"] for name, rate in rates.items()}}  # fmt: skip


def settings(args) -> dict:
    """The options that shaped this measurement: those of the A/B comparison, or those of ``--per-step``."""
    if args.per_step:
        unused = {"data", "images", "pairs", "variant", "against", "epochs"}
    else:
        unused = {"rounds", "steps", "compile"}
    return {key: value for key, value in vars(args).items() if key not in unused | {"out"}}


def main() -> None:
    """Run the A/B comparison, or with ``--per-step`` the step timings, and write either with its settings."""
    args = parser().parse_args()
    measured = per_step(args) if args.per_step else compare(args)
    write_results(args.out, {"machine": machine(), **settings(args), **measured})
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
