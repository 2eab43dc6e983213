#!/usr/bin/env python3
"""Keeps results/README.md, the index of the committed studies, honest.

  scripts/make-results-index.py            rewrites the date column from git history
  scripts/make-results-index.py --check    exits 1 when a date is stale or a folder of results/
                                           has no row (prints which)

Commands and headlines are written by hand (a headline is a reading); the date of a row is the
committer date of the last commit that changed its folder, so it cannot be forgotten.
"""
import argparse, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INDEX = os.path.join(ROOT, "results", "README.md")


def last_change(folder):
    out = subprocess.run(["git", "log", "-1", "--format=%cs", "--", f"results/{folder}"], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    return out or "uncommitted"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    lines = open(INDEX, encoding="utf-8").read().split("\n")
    problems, seen = [], set()
    for i, line in enumerate(lines):
        m = re.match(r"^\| \[(\w[\w-]*)\]\(([\w-]+)/", line)
        if not m:
            continue
        folder = m.group(2)
        seen.add(folder)
        cells = line.rstrip().rstrip("|").split(" | ")
        date = last_change(folder)
        if cells[-1].strip() != date:
            problems.append(f"{folder}: date {cells[-1].strip()} in the index, last changed {date}")
            cells[-1] = date
            lines[i] = " | ".join(cells) + " |"
    for folder in sorted(os.listdir(os.path.join(ROOT, "results"))):
        if os.path.isdir(os.path.join(ROOT, "results", folder)) and folder not in seen and folder != "runs":
            problems.append(f"{folder}: no row in results/README.md")
    if a.check:
        for p in problems:
            print("make-results-index: " + p)
        sys.exit(1 if problems else 0)
    with open(INDEX, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    for p in problems:
        print("updated: " + p)


if __name__ == "__main__":
    main()
