#!/usr/bin/env python3
"""Doxygen input filter for README.md (FILTER_PATTERNS in Doxyfile.in).

GitHub and doxygen read the same Markdown differently: GitHub gives every
heading an anchor (`## Quick start (POSIX)` -> `#quick-start-posix`) and
resolves links to other files in the repository; doxygen 1.9 does neither and
warns. This filter gives each heading the GitHub anchor as a doxygen label and
turns links to repository files into plain text with the path, so the
reference builds without warnings while README.md stays GitHub-first.
"""
import re
import sys

def slug(title, seen):
    s = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    n = seen.get(s, 0)
    seen[s] = n + 1
    return s if n == 0 else f"{s}-{n}"

def main(path):
    text = open(path, encoding="utf-8").read()
    seen = {}
    out = []
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence:
            m = re.match(r"^(#{2,6})\s+(.*?)\s*$", line)
            if m:
                line = f"{m.group(1)} {m.group(2)} {{#{slug(m.group(2), seen)}}}"
            else:
                # [text](relative/path) -> text (`relative/path`); URLs and #anchors stay links
                line = re.sub(r"\[([^\]]+)\]\((?!https?:|#|mailto:)([^)\s]+)\)", r"\1 (`\2`)", line)
        out.append(line)
    sys.stdout.write("\n".join(out) + "\n")

if __name__ == "__main__":
    main(sys.argv[1])
