#!/usr/bin/env bash
# Everything a lent GPU should measure, in one go, most important first; each stage writes its own file in $OUT
# and has its own time limit, so a failure or a timeout in one loses nothing else.
#   OUT=runs/gpu bash benchmarks/gpu_run.sh [TARBALL]        FULL_RUN=0: stages 1-3 only
#   OUT=runs/gpu STAGES=full bash benchmarks/gpu_run.sh      stage 4 only (the data already unpacked)
# TARBALL: the CIFAR-10 JPEG copy (default .gpu/cifar10-train-jpeg.tar.gz). Needs python3 with torch; the full
# run of the notebooks (stage 4) also needs nbclient and ipykernel (on the lent machine: carried wheels).
set -u
OUT="${OUT:-runs/gpu}"
tarball="${1:-.gpu/cifar10-train-jpeg.tar.gz}"
mkdir -p "$OUT" /tmp/jpeg
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
py=python3
stage() { echo "$(date +%T) $*" >> "$OUT/stages.txt"; }

if [ "${STAGES:-all}" = full ]; then stage "full run only"; else
# 1. The machine, and the data: 45,000 training and 5,000 validation images, as in the notebooks.
{ nvidia-smi -L; $py -c "import torch, torchvision; print(torch.__version__, torchvision.__version__, torch.cuda.get_device_name())"; } > "$OUT/env.txt" 2>&1
tar -xzf "$tarball" -C /tmp/jpeg && $py benchmarks/carve.py /tmp/jpeg/train /tmp/split >> "$OUT/env.txt" 2>&1
stage "tests"
timeout 90 $py -m pytest tests/test_cuda.py -q -p no:cacheprovider > "$OUT/tests.txt" 2>&1

# 2. Ten epochs of notebook 3's model (45,000 training and 5,000 validation images, batch 64), CUDA graphs on.
stage "ten epochs"
timeout 75 $py benchmarks/quality.py --device cuda --recipes project --data /tmp/jpeg/train --latent 200 \
    --out "$OUT/ten_epochs.json" > "$OUT/ten_epochs.txt" 2>&1

# 3. Images per second, side by side in one process: the article's pipeline against train(); then train()
# without CUDA graphs against train() with them (the default), for each model.
stage "throughput"
t="$py benchmarks/throughput.py --device cuda --data /tmp/jpeg/train --images 12800 --pairs 3"
timeout 60 $t --out "$OUT/throughput.json" > "$OUT/throughput.txt" 2>&1
for model in article improved deeper; do
    timeout 60 $t --model "$model" --against no-cuda-graphs --variant project --out "$OUT/throughput-graphs-$model.json" \
        >> "$OUT/throughput.txt" 2>&1
done
[ "${FULL_RUN:-1}" = 1 ] || { tail -n 3 "$OUT"/*.txt; exit 0; }
fi

# 4. The whole series in full mode, one notebook at a time; the executed notebooks come back in one archive.
stage "full run"
for nb in notebooks/0*.ipynb; do
    name="$(basename "$nb" .ipynb)"
    timeout "${NOTEBOOK_LIMIT:-150}" $py scripts/full_run.py --dataset /tmp/jpeg/train "$name" >> "$OUT/full_run.txt" 2>&1 \
        || echo "$name: stopped or failed (exit $?)" >> "$OUT/full_run.txt"
done
$py scripts/full_run.py --times >> "$OUT/full_run.txt" 2>&1
tar -czf "$OUT/executed.tar.gz" notebooks
stage "done"
tail -n 3 "$OUT"/*.txt
