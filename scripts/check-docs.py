#!/usr/bin/env python3
"""Checks the Markdown documentation.

  scripts/check-docs.py                       every relative link and #anchor in the docs resolves
  scripts/check-docs.py --moved-from REV      also: every heading of README.md at git revision REV
                                              is a heading somewhere in README.md or docs/, and
                                              every prose line of it appears verbatim somewhere
                                              (lines that do not are listed for a human to check)

Exit status 1 when a link is broken or a heading is missing. Standard library only, so it runs
wherever the tests run.
"""
import argparse, glob, os, re, subprocess, sys, unicodedata

PACKED = 0   # links into a packed folder, counted, not broken
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def doc_files():
    """The Markdown a reader navigates: README, docs/, results/*/README-like pages, python/."""
    out = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    # Untracked new pages count too, so the check works before the first commit.
    extra = glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True)
    files = {os.path.join(ROOT, f) for f in out} | set(extra)
    return sorted(f for f in files if os.path.exists(f))


def strip_code(text):
    """Drops fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    s = heading.strip().lower()
    s = "".join(c for c in s if c in " -_" or unicodedata.category(c)[0] in "LN")
    return s.replace(" ", "-")


def headings(path):
    text = re.sub(r"^```.*?^```", "", open(path, encoding="utf-8").read(), flags=re.S | re.M)
    return [m.group(2) for m in re.finditer(r"^(#{1,6})\s+(.*?)\s*#*\s*$", text, flags=re.M)]


def anchors(path):
    seen, out = {}, set()
    for h in headings(path):
        a = slug(h)
        n = seen.get(a, 0)
        out.add(a if n == 0 else f"{a}-{n}")
        seen[a] = n + 1
    return out


def packed(dest):
    """A path inside a folder that is committed as FOLDER.tar.gz (bulky outputs are packed; the
    reproduce scripts unpack them), e.g. results/phase/counterexamples/X.json."""
    d = os.path.dirname(dest)
    while d.startswith(ROOT) and d != ROOT:
        if os.path.exists(d + ".tar.gz"):
            return True
        d = os.path.dirname(d)
    return False


def check_links(files):
    bad = []
    global PACKED
    for f in files:
        text = strip_code(open(f, encoding="utf-8").read())
        for m in re.finditer(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):          # http:, https:, mailto: are not checked offline
                continue
            path, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            rel = os.path.relpath(f, ROOT)
            if not os.path.exists(dest) and packed(dest):
                PACKED += 1
            elif not os.path.exists(dest):
                bad.append(f"{rel}: link to missing {target}")
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                bad.append(f"{rel}: no heading for #{anchor} in {os.path.relpath(dest, ROOT)}")
    return bad


def check_moved(rev, files):
    old = subprocess.run(["git", "show", f"{rev}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    old_heads = [h for h in re.findall(r"^#{1,6}\s+(.*?)\s*$", re.sub(r"^```.*?^```", "", old, flags=re.S | re.M), flags=re.M)]
    new_heads = {}
    for f in files:
        for h in headings(f):
            new_heads.setdefault(h, os.path.relpath(f, ROOT))
    missing = []
    print(f"README.md at {rev}: {len(old_heads)} headings")
    for h in old_heads:
        # A heading may have become a page title with more words, so match by containment.
        where = [p for t, p in new_heads.items() if h == t] or [p for t, p in new_heads.items() if h in t]
        print(f"  {h!r:70s} -> {where[0] if where else 'MISSING'}")
        if not where:
            missing.append(h)
    corpus = "\n".join(open(f, encoding="utf-8").read() for f in files)
    lines = [l.strip() for l in old.split("\n") if l.strip() and not l.startswith("#")]
    lost = [l for l in lines if l not in corpus]
    print(f"{len(lines) - len(lost)} of {len(lines)} non-heading lines of the old README appear verbatim; the others:")
    for l in lost:
        print("  | " + l)
    return missing


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moved-from", metavar="REV")
    a = ap.parse_args()
    files = doc_files()
    bad = check_links(files)
    for b in bad:
        print("broken: " + b)
    missing = check_moved(a.moved_from, files) if a.moved_from else []
    for h in missing:
        print("heading not found anywhere: " + h)
    print(f"check-docs: {len(files)} files, {len(bad)} broken links, {PACKED} links into .tar.gz-packed folders" + (f", {len(missing)} headings missing" if a.moved_from else ""))
    sys.exit(1 if bad or missing else 0)


if __name__ == "__main__":
    main()
