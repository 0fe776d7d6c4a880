"""Test-wide settings, read before any notebook kernel starts (kernels inherit the environment).

Smoke mode makes every notebook run on a few hundred images for three short epochs; on the
offline images unless CIFAR-10 is already in the data folder. No test reaches the network.
"""

import os

os.environ.setdefault("CONVAE_SMOKE", "1")
