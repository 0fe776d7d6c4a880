#!/bin/bash
# Seed runs of the article's model, one recipe, bottleneck 200 then 1000; each run resumes from its checkpoints.
#   benchmarks/seeds.sh SPLIT RECIPE SEED...     e.g. benchmarks/seeds.sh /tmp/cifar10-split article 0 1 2
#   LOSS=l1 LATENTS=200 benchmarks/seeds.sh SPLIT project 1 2    (notebook 5's loss comparison, another loss)
# SPLIT comes from benchmarks/carve.py. Runs one at a time on one thread (start one per recipe on a 2-core machine);
# each writes runs/seeds/RECIPE+LATENT-seedS.json and .txt (RECIPE+LATENT-LOSS-seedS for a loss other than MSE);
# benchmarks/collect_seeds.py gathers them.
set -euo pipefail
split=$1 recipe=$2; shift 2
loss=${LOSS:-mse}
cd "$(dirname "$0")/.."
mkdir -p runs/seeds
for latent in ${LATENTS:-200 1000}; do
  for seed in "$@"; do
    name=$recipe$latent-seed$seed
    [ "$loss" != mse ] && name=$recipe$latent-$loss-seed$seed
    [ -f "runs/seeds/$name.json" ] && continue
    OMP_NUM_THREADS=1 python benchmarks/quality.py --data "$split/train" --test-data "$split/test" \
      --model article --recipes "$recipe" --latent "$latent" --seed "$seed" --epochs 10 --loss "$loss" \
      --checkpoint-dir "runs/seeds/$name" --out "runs/seeds/$name.json" >> "runs/seeds/$name.txt" 2>&1
  done
done
