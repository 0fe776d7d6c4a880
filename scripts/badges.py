"""Write the Colab and Gradient badges and the install address from the one setting in pyproject.toml.

The repository's public address is ``[tool.convae] repository`` in pyproject.toml. This script
rewrites, from it:

* every ``<!-- badges:NAME -->`` marker (in the first cell of each notebook), with the badges before it,
  into the Colab and Gradient badges of ``notebooks/NAME.ipynb``;
* every ``<!-- colab:NAME -->`` marker (the notebook table of README.md), with the link before it, into a
  short Colab link to ``notebooks/NAME.ipynb``;
* the ``git+https://github.com/OWNER/REPO`` address in the notebooks' install cells.

    python scripts/badges.py           # rewrite
    python scripts/badges.py --check   # exit 1 if anything is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The badge markup (which holds no "<") right before a marker, or a bare marker.
MARKER = re.compile(r"(?:\[!\[Open In Colab\][^<\n]*)?<!-- badges:(?P<name>[\w-]+) -->")
COLAB = re.compile(r"(?:\[Colab\]\([^)\n]*\) )?<!-- colab:(?P<name>[\w-]+) -->")
INSTALL = re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+")


def repository() -> str:
    """OWNER/REPO from pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["convae"]["repository"]


def badges(name: str, repo: str) -> str:
    """The badge line of ``notebooks/NAME.ipynb``, ending with its marker."""
    path = f"{repo}/blob/main/notebooks/{name}.ipynb"
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{path}) "
        f"[![Run on Gradient](https://assets.paperspace.io/img/gradient-badge.svg)]"
        f"(https://console.paperspace.com/github/{path}) <!-- badges:{name} -->"
    )


def colab_link(name: str, repo: str) -> str:
    """The README's short Colab link to ``notebooks/NAME.ipynb``, ending with its marker."""
    address = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{name}.ipynb"
    return f"[Colab]({address}) <!-- colab:{name} -->"


def rewrite(text: str, repo: str) -> str:
    text = MARKER.sub(lambda m: badges(m.group("name"), repo), text)
    text = COLAB.sub(lambda m: colab_link(m.group("name"), repo), text)
    return INSTALL.sub(f"git+https://github.com/{repo}", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="report files that are out of date, change nothing")
    args = parser.parse_args()
    repo = repository()
    stale = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            new = rewrite(source, repo)
            if new != source:
                cell["source"] = new.splitlines(keepends=True)
                stale.append(path)
        if path in stale and not args.check:
            path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if rewrite(text, repo) != text:
        stale.append(readme)
        if not args.check:
            readme.write_text(rewrite(text, repo))
    for path in dict.fromkeys(stale):
        print(f"{'out of date' if args.check else 'rewritten'}: {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
