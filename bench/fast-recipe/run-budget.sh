#!/usr/bin/env bash
# One budget run of the fast recipe (bench/fast-recipe/recipe.yaml) on full Fashion-MNIST, then the
# exported model evaluated on the test split without and with flip TTA. Writes RESULT (JSON): the
# commands, the train summary, wall and CPU time (GNU time), load averages, the eval metrics.
#
#   bench/fast-recipe/run-budget.sh CONFIG EPOCHS SEED RUN_DIR RESULT
#
# EPOCHS is a number of epochs, or a duration such as 30m: then `--time-budget` chooses the epochs
# that fit in it on this machine (README, "A time budget"), and the summary records the plan.
#
# CONFIG extends recipe.yaml (or is it); RUN_DIR should be outside the repository. The backend is
# wasm (trickster's default, and faster than the tensorflow backend on these 2 cores: npm run bench's
# a/h), named explicitly because `auto` picks @tensorflow/tfjs-node where npm run native:setup ran;
# BACKEND=... overrides it.
set -euo pipefail
config=$1 epochs=$2 seed=$3 run=$4 result=$5
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
mkdir -p "$run"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%FT%TZ)
backend=${BACKEND:-wasm}
if [[ $epochs =~ ^[0-9]+$ ]]; then length=(--epochs "$epochs"); else length=(--time-budget "$epochs"); fi
train=(node bin/trickster.js train --config "$config" "${length[@]}" --seed "$seed" --backend "$backend" --out "$run/train" --json --progress lines --no-report)
/usr/bin/time -v -o "$run/time.txt" "${train[@]}" > "$run/train.log" 2>&1
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
node bin/trickster.js eval --model "$run/train/model/model.json" --backend "$backend" --json > "$run/eval-none.json"
node bin/trickster.js eval --model "$run/train/model/model.json" --backend "$backend" --tta flip --json > "$run/eval-flip.json"
RUN="$run" CONFIG="$config" START="$start" LOAD_START="$load_start" LOAD_END="$load_end" CMD="${train[*]}" node -e '
const fs = require("fs");
const e = process.env;
const lastJson = (f) => JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").filter((l) => l.startsWith("{")).pop());
const time = fs.readFileSync(`${e.RUN}/time.txt`, "utf8");
const field = (name) => Number(time.match(new RegExp(`${name}: ([0-9.]+)`))[1]);
const [h, m, s] = time.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)/)[1].split(":").map(Number).reverse().concat([0, 0]).slice(0, 3).reverse();
const out = {
  what: "one budget run of bench/fast-recipe/recipe.yaml on full Fashion-MNIST (train 60,000, test 10,000 evaluated once at the end), then trickster eval of the exported model without and with flip TTA",
  started: e.START,
  command: e.CMD,
  config: fs.readFileSync(e.CONFIG, "utf8"),
  loadAverageAtStart: e.LOAD_START,
  loadAverageAtEnd: e.LOAD_END,
  wallSeconds: h * 3600 + m * 60 + s,
  cpuSeconds: Math.round((field("User time \\(seconds\\)") + field("System time \\(seconds\\)")) * 100) / 100,
  maxRssKiB: field("Maximum resident set size \\(kbytes\\)"),
  summary: lastJson(`${e.RUN}/train.log`),
  evalNone: lastJson(`${e.RUN}/eval-none.json`),
  evalFlip: lastJson(`${e.RUN}/eval-flip.json`),
};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
' > "$5.tmp"
mv "$5.tmp" "$5"
echo "wrote $5"
