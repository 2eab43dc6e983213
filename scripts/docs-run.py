#!/usr/bin/env python3
"""Re-runs the commands shown in a Markdown page and writes their real output back into it.

  scripts/docs-run.py PAGE.md [--workdir DIR] [--bin DIR]

The page is the source: prose and commands are edited by hand, outputs are only ever written by
this script, so every output a reader sees is what the command printed on the last run.

Marked blocks (a marker line directly above a fence):

  <!-- run -->                 a ```console block: each line starting with "$ " is a command (a
                               trailing backslash continues it); everything else in the block is
                               replaced by the command's output (stdout and stderr, as a terminal
                               would show them)
  <!-- run head=20 tail=5 -->  keep the first 20 and last 5 output lines of each command, with a
                               line saying how many were left out
  <!-- run cwd=repo -->        run in the repository instead of the work folder
  <!-- run status=1 -->        the commands are expected to fail with this exit status
  <!-- file: NAME -->          a code block whose text is written to NAME in the work folder, so
                               the code shown is the code that runs

Commands run with bash in one work folder per page (kept between blocks, so files made by one
block are there for the next), with --bin first on PATH so `nclandscape` is the freshly built
binary. A command that fails unexpectedly stops the script with its output, and the page is not
written.
"""
import argparse, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"^<!--\s*(run|file:)\s*(.*?)\s*-->\s*$")


def run_block(cmds, opts, env, workdir):
    out = []
    cwd = ROOT if opts.get("cwd") == "repo" else workdir
    want = int(opts.get("status", "0"))
    for cmd in cmds:
        shown = "$ " + cmd.replace("\n", "\n  ")
        print(shown, file=sys.stderr, flush=True)
        r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        text = r.stdout.replace(workdir + "/", "").replace(workdir, ".").rstrip("\n")
        if r.returncode != want:
            sys.exit(f"docs-run: `{cmd}` exited with {r.returncode} (expected {want}):\n{text}")
        lines = [l.rstrip() for l in text.split("\n")] if text else []
        head, tail = opts.get("head"), opts.get("tail")
        if head is not None or tail is not None:
            h, t = int(head or 0), int(tail or 0)
            if len(lines) > h + t + 1:
                lines = lines[:h] + [f"… ({len(lines) - h - t} lines left out)"] + (lines[-t:] if t else [])
        out.append(shown)
        out.extend(lines)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page")
    ap.add_argument("--workdir", help="work folder (default: a new temporary folder)")
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    a = ap.parse_args()
    workdir = os.path.realpath(a.workdir or tempfile.mkdtemp(prefix="docs-run-"))
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, PATH=os.path.realpath(a.bin) + os.pathsep + os.environ["PATH"], COLUMNS="100")
    lines = open(a.page, encoding="utf-8").read().split("\n")
    out, i, blocks = [], 0, 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m or i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            out.append(lines[i]); i += 1
            continue
        out.append(lines[i]); out.append(lines[i + 1])
        j = i + 2
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 2:j]
        if m.group(1) == "file:":
            path = os.path.join(workdir, m.group(2))
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(body) + "\n")
            out.extend(body)
        else:
            opts = dict(kv.split("=", 1) for kv in m.group(2).split())
            cmds, k = [], 0
            while k < len(body):
                if body[k].startswith("$ "):
                    cmd = body[k][2:]
                    while cmd.endswith("\\") and k + 1 < len(body):
                        k += 1
                        cmd = cmd + "\n" + body[k].strip()
                    cmds.append(cmd)
                k += 1
            out.extend(run_block(cmds, opts, env, workdir))
        blocks += 1
        out.append(lines[j] if j < len(lines) else "```")
        i = j + 1
    with open(a.page, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"docs-run: {a.page}: {blocks} blocks refreshed (work folder {workdir})", file=sys.stderr)


if __name__ == "__main__":
    main()
