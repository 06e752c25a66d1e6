#!/usr/bin/env python3
"""The references of the docs a reader follows (README.md, examples/README.md,
docs/*.md, the folder guides): every relative link must name a file that
exists and, with #anchor, a heading of it (GitHub's anchor rules); every
path of the tree named in the text (tests/kernel/test_nat.c, ...) must
exist. Prints one line per broken reference; exit 1 if any.

    tests/doc_refs.py ROOT
"""
import re, sys, os, glob
root = sys.argv[1]
files = [os.path.join(root, f) for f in ["README.md", "examples/README.md"]] + \
    sorted(glob.glob(os.path.join(root, "docs/*.md"))) + sorted(glob.glob(os.path.join(root, "src/*/README.md"))) + \
    sorted(glob.glob(os.path.join(root, "tests/*/README.md"))) + sorted(glob.glob(os.path.join(root, "bench/*.md")))
def slug(h):
    h = h.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")
def anchors(path):
    out = set()
    seen = {}
    for line in open(path, errors="replace"):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = slug(re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", re.sub(r"`", "", m.group(1))))
            n = seen.get(s, 0); seen[s] = n + 1
            out.add(s if n == 0 else "%s-%d" % (s, n))
    return out
bad = []
for f in files:
    if not os.path.exists(f): continue
    text = open(f, errors="replace").read()
    incode = False
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"): incode = not incode; continue
        if incode: continue
        for m in re.finditer(r"\]\(([^)\s]+)\)", line):
            target = m.group(1)
            if re.match(r"[a-z]+:", target): continue
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            rel = os.path.relpath(f, root)
            if not os.path.exists(full):
                bad.append("%s:%d: link to %s: no such file" % (rel, i, target)); continue
            if anchor and full.endswith(".md") and anchor not in anchors(full):
                bad.append("%s:%d: link to %s: no heading with anchor #%s in %s" % (rel, i, target, anchor, os.path.relpath(full, root)))
        for m in re.finditer(r"(?<![\w/.-])((?:tests|src|scripts|bench|examples|docs|completion|runtimes)/[\w./-]*\w\.(?:c|h|sh|py|json|md|bash))\b", line):
            p = m.group(1)
            if "*" in p or "X" in p.split("/")[-1][:1]: continue
            if not os.path.exists(os.path.join(root, p)):
                bad.append("%s:%d: names %s, which does not exist" % (os.path.relpath(f, root), i, p))
print("\n".join(bad))
sys.exit(1 if bad else 0)
