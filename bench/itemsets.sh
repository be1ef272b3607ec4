#!/usr/bin/env bash
# Frequent itemsets: kdsched against Weka's FPGrowth (Debian package weka) on the same
# generated transactions, in one run; checks that both find the same itemsets with the same
# supports (Weka reports itemsets through rules, so itemsets of two or more items are compared).
#
#   bench/itemsets.sh [TRANSACTIONS] [ITEMS] [AVG_LENGTH] [MIN_SUPPORT]   (defaults: 100000 1000 10 0.01)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

transactions=${1:-100000}
items=${2:-1000}
avg_length=${3:-10}
min_support=${4:-0.01}
require_peer "test -f /usr/share/java/weka.jar && $python -c 'import h5py'" weka python3-h5py
prepare_run

"$kdsched" gen transactions --transactions "$transactions" --items "$items" --avg-length "$avg_length" \
  --seed 11 --out "$work/tx.h5" --log-level warn
cat >"$work/itemsets.toml" <<TOML
[job]
name = "bench-itemsets"
output = "itemsets.h5"
[input]
file = "tx.h5"
items = "/transactions/items"
offsets = "/transactions/offsets"
[kernel]
name = "itemsets"
min_support = $min_support
TOML

start=$(date +%s.%N)
mpiexec --oversubscribe -n $((cores + 1)) "$kdsched" run "$work/itemsets.toml" --force --progress off --log-level warn
end=$(date +%s.%N)
"$python" "$(dirname "${BASH_SOURCE[0]}")/itemsets_weka.py" "$work/tx.h5" "$min_support" "$work" "$work/weka.json"

"$python" - "$work/itemsets.h5" "$work/weka.json" "$start" "$end" "$cores" "$min_support" <<'PY'
import json, sys
import h5py
result, weka, cores, min_support = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[5], sys.argv[6]
kdsched_seconds = float(sys.argv[4]) - float(sys.argv[3])
with h5py.File(result) as f:
    items = f["result/itemsets/items"][()]
    offsets = f["result/itemsets/offsets"][()]
    support = f["result/itemsets/support"][()]
ours = {",".join(str(int(i)) for i in items[offsets[j]:offsets[j + 1]]): int(support[j])
        for j in range(len(support)) if offsets[j + 1] - offsets[j] >= 2}
same = ours == weka["itemsets"]
print(f"{weka['transactions']:,} transactions, min_support {min_support}, {cores} cores\n")
print("| miner | itemsets (2+ items) | seconds (whole command) |")
print("|---|---:|---:|")
print(f"| Weka 3.6 FPGrowth (all rules at confidence >= 0) | {len(weka['itemsets'])} | {weka['seconds']:.2f} |")
print(f"| kdsched itemsets ({cores} workers) | {len(ours)} | {kdsched_seconds:.2f} |")
print(f"\nidentical itemsets and supports: {same}")
if not same:
    print("only kdsched:", sorted(set(ours) - set(weka["itemsets"]))[:10])
    print("only Weka:", sorted(set(weka["itemsets"]) - set(ours))[:10])
    print("support differs:", [k for k in ours if k in weka["itemsets"] and ours[k] != weka["itemsets"][k]][:10])
PY
