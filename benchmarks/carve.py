"""Cut a test folder out of an ImageFolder tree, so that no image in it is ever trained on.

    python benchmarks/carve.py /tmp/cifar10-jpeg/train /tmp/cifar10-split --per-class 500

writes two trees of symbolic links: ``train/`` with every image but ``--per-class`` of each class,
and ``test/`` with those. The test images are the ``--per-class`` just before the last
``--holdout`` of each class (the validation images ``quality.py`` holds out of ``train/``), so
training, validation and test images are three disjoint sets:

    python benchmarks/quality.py --data /tmp/cifar10-split/train --test-data /tmp/cifar10-split/test
"""

from __future__ import annotations

from pathlib import Path

from common import benchmark_parser


def main() -> None:
    """Write train/ and test/ as links to the source's images, the test images cut out of each class."""
    left = dict(help="validation images per class, left in train/")
    parser = benchmark_parser(__doc__, None, "holdout", holdout=left)
    parser.add_argument("source", type=Path, help="an ImageFolder tree: source/<class>/<image>")
    parser.add_argument("target", type=Path, help="where train/ and test/ are written (must not exist)")
    parser.add_argument("--per-class", type=int, default=500, help="test images per class")
    args = parser.parse_args()
    if args.target.exists():
        parser.error(f"target {args.target} exists; choose a new folder")
    for folder in sorted(p for p in args.source.iterdir() if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.is_file())
        cut = len(files) - args.holdout - args.per_class
        if cut < 1:
            parser.error(f"{folder.name} has {len(files)} images; need more than holdout + per-class")
        test = files[cut : cut + args.per_class]
        for split, chosen in (("train", files[:cut] + files[cut + args.per_class :]), ("test", test)):
            (args.target / split / folder.name).mkdir(parents=True)
            for file in chosen:
                (args.target / split / folder.name / file.name).symlink_to(file.resolve())
    print(f"wrote {args.target / 'train'} and {args.target / 'test'}")


if __name__ == "__main__":
    main()
