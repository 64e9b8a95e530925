#!/usr/bin/env python3
"""Keeps README.md and README.zh-CN.md honest (run by ctest):

- `<!-- snippet: PATH -->` before a fenced block: the block must be exactly
  the lines of PATH between `// [quick-start]` and `// [quick-start-end]`
  (PATH is compiled by the tests, so the README's code compiles too);
- `<!-- snippet-lines: PATH -->`: every code line of the block (trailing `//`
  comment and indentation ignored) must occur in PATH;
- every relative link points to a file or folder of the repository, and every
  `#anchor` link to a heading of the same README (GitHub's anchor rules);
- both READMEs have the same snippets, in the same order.
Exit 1 with one line per problem.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", ROOT / "README.zh-CN.md"]


def fenced_block_after(lines, i):
    """Lines of the fenced block that starts after line i (skipping blanks)."""
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines) or not lines[j].lstrip().startswith("```"):
        return None
    k = j + 1
    block = []
    while k < len(lines) and not lines[k].lstrip().startswith("```"):
        block.append(lines[k])
        k += 1
    return block


def region(path, begin="// [quick-start]", end="// [quick-start-end]"):
    text = path.read_text(encoding="utf-8").splitlines()
    try:
        a = next(i for i, l in enumerate(text) if l.strip() == begin)
        b = next(i for i, l in enumerate(text) if l.strip() == end)
    except StopIteration:
        return None
    return text[a + 1:b]


def code_line(line):
    return re.sub(r"\s*//.*$", "", line).strip()


def slugs(text):
    seen, out = {}, set()
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        m = None if fence else re.match(r"^#{1,6}\s+(.*?)\s*$", line)
        if m:
            s = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f"{s}-{n}")
    return out


def check(readme, problems):
    text = readme.read_text(encoding="utf-8")
    lines = text.splitlines()
    name = readme.name
    snippets = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*<!--\s*snippet(-lines)?:\s*(\S+)\s*-->", line)
        if not m:
            continue
        src = ROOT / m.group(2)
        snippets.append(m.group(0).strip())
        block = fenced_block_after(lines, i)
        if block is None:
            problems.append(f"{name}:{i + 1}: no code block after {m.group(0).strip()}")
            continue
        if not src.exists():
            problems.append(f"{name}:{i + 1}: {m.group(2)} does not exist")
            continue
        if m.group(1):  # snippet-lines
            have = {code_line(l) for l in src.read_text(encoding="utf-8").splitlines()}
            for l in block:
                if code_line(l) and code_line(l) not in have:
                    problems.append(f"{name}:{i + 1}: line not in {m.group(2)}: {l.strip()}")
        else:
            want = region(src)
            if want is None:
                problems.append(f"{name}:{i + 1}: {m.group(2)} has no // [quick-start] ... // [quick-start-end]")
            elif [l.rstrip() for l in block] != [l.rstrip() for l in want]:
                problems.append(f"{name}:{i + 1}: the code block differs from {m.group(2)} "
                                f"(copy the lines between // [quick-start] and // [quick-start-end])")
    anchors = slugs(text)
    fence = False
    for n, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"https?:|mailto:", target):
                continue
            if target.startswith("#"):
                if target[1:] not in anchors:
                    problems.append(f"{name}:{n}: no heading for anchor {target}")
            elif not (ROOT / target.split("#")[0]).exists():
                problems.append(f"{name}:{n}: link to a missing file {target}")
    return snippets


def main():
    problems = []
    found = [check(r, problems) if r.exists() else problems.append(f"{r.name} is missing") for r in READMES]
    if all(isinstance(f, list) for f in found) and found[0] != found[1]:
        problems.append(f"README.md and README.zh-CN.md have different snippets: {found[0]} vs {found[1]}")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print("README.md and README.zh-CN.md: snippets match their sources, links and anchors resolve")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
