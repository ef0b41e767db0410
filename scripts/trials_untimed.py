#!/usr/bin/env python3
"""Print a study's trials.csv without its timing columns: seconds, and
steps and epochs_trained (they count the steps a pruned trial ran until
its process stopped). Used by tune_kill_resume.sh and
tune_slurm_vs_local.sh to compare two studies."""
import csv
import sys

rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, h in enumerate(rows[0]) if h not in ("seconds", "steps", "epochs_trained")]
w = csv.writer(sys.stdout)
for r in rows:
    w.writerow([r[i] for i in keep])
