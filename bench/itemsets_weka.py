"""Frequent itemsets of a kdsched transactions file by Weka's FPGrowth, for bench/itemsets.sh.

usage: python3 itemsets_weka.py DATA.h5 MIN_SUPPORT WORKDIR OUT.json

Writes the transactions as sparse ARFF, runs weka.associations.FPGrowth for every rule at
confidence >= 0 (so that every frequent itemset of two or more items is the union of some rule's
sides), and reports the itemsets with their supports and the times.
"""
import json
import re
import subprocess
import sys
import time

import h5py
import numpy as np

data, min_support, workdir, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
with h5py.File(data, "r") as f:
    items = f["transactions/items"][()]
    offsets = f["transactions/offsets"][()]
n = len(offsets) - 1
universe = np.unique(items)
column = {int(item): i for i, item in enumerate(universe)}

arff = f"{workdir}/transactions.arff"
with open(arff, "w") as a:
    a.write("@relation transactions\n")
    for item in universe:
        a.write(f"@attribute i{int(item)} {{0,1}}\n")
    a.write("@data\n")
    for t in range(n):
        columns = sorted({column[int(i)] for i in items[offsets[t]:offsets[t + 1]]})
        a.write("{" + ",".join(f"{c} 1" for c in columns) + "}\n")

command = ["java", "-Xmx4g", "-cp", "/usr/share/java/weka.jar", "weka.associations.FPGrowth", "-t", arff,
           "-M", str(min_support), "-U", "1.0", "-C", "0.0", "-S", "-N", "100000000"]
start = time.perf_counter()
output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
seconds = time.perf_counter() - start

itemsets = {}
rule = re.compile(r"\[(.*?)\]: (\d+) ==> \[(.*?)\]: (\d+)")
for premise, _, consequence, support in rule.findall(output):
    names = re.findall(r"i(\d+)=1", premise + ", " + consequence)
    itemsets[",".join(str(i) for i in sorted(int(x) for x in names))] = int(support)
json.dump({"seconds": seconds, "itemsets": itemsets, "transactions": n}, open(out, "w"))
