#!/usr/bin/env python3
# Line and branch coverage of include/ straight from GCC's `gcov --json-format`,
# written in gcovr's JSON layouts so tests/coverage_report.py can read either.
"""Usage: gcov_json.py <root> <build dir> <summary.json> <full.json> [jobs]

Runs `gcov --json-format --stdout` on every .gcda under <build dir> and merges
the results for the files under <root>/include/ with gcovr 5.2's rules
with --exclude-throw-branches (and without --exclude-unreachable-branches):
  * a line counts when gcov gives it a count, except a never-run line whose
    text is only a brace, `else` or a comment;
  * a line's branches are merged over template instantiations and test
    binaries: branch i of the function starting at line:column is taken if
    any copy of it took it;
  * branches gcov marks `throw` (exception edges) are dropped.
Why not gcovr 5.2 itself: it parses GCC 12's text .gcov output, which
  (a) leaves out the per-instantiation blocks, and so every branch, of the
      last group of template instantiations in a file, and
  (b) prints the exception edges of never-run code as "never executed"
      without the (throw) mark, so --exclude-throw-branches keeps them.
The JSON output has neither problem.
"""
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys

COMMENTS = (re.compile(r"//.*$"), re.compile(r"/\*.*?\*/"))


def code_of(text):
    for pattern in COMMENTS:
        text = pattern.sub("", text)
    return text.strip()


def run_gcov(gcda):
    out = subprocess.run(["gcov", "--json-format", "--stdout", "--branch-counts",
                          "--branch-probabilities", os.path.basename(gcda)],
                         cwd=os.path.dirname(gcda), capture_output=True, text=True)
    docs = []
    for chunk in out.stdout.splitlines():  # one JSON document per line
        chunk = chunk.strip()
        if chunk:
            docs.append(json.loads(chunk))
    return gcda, docs, out.returncode, out.stderr


def branch_keys(line, functions, starts, index_in):
    """(key, branch) for each branch of one gcov JSON line entry. A branch is
    known by where its function starts in the source (every instantiation of a
    template, and of a lambda in one, starts at the same line:column; a lambda
    and the function around it do not) and its index in that function's part
    of the line, so copies of the same branch get the same key."""
    branches = line["branches"]
    name = line.get("function_name")
    if name is not None:  # one function's (one instantiation's) part of the line
        key = (name, line["line_number"])
        first = index_in.get(key, 0)
        index_in[key] = first + len(branches)
        where = starts.get(name, (0, 0))
        return [((*where, i), b) for i, b in enumerate(branches, first)]
    # GCC 12 also prints some lines of instantiated code once for all copies,
    # with no function name and every copy's branches one after the other
    # (e.g. a lambda inside a template). Split them back into copies when the
    # k innermost functions around the line start at the same place and the
    # branches fall into k runs of the same shape; otherwise keep them apart.
    lineno = line["line_number"]
    around = [(fn["start_line"], fn["start_column"]) for fn in functions
              if fn["start_line"] <= lineno <= fn["end_line"]]
    if around and branches:
        where = max(around)
        copies = around.count(where)
        if len(branches) % copies == 0:
            size = len(branches) // copies
            shapes = {tuple((b.get("fallthrough"), b.get("throw")) for b in branches[c * size:(c + 1) * size])
                      for c in range(copies)}
            if len(shapes) == 1:
                return [((*where, i % size), b) for i, b in enumerate(branches)]
    return [((0, 0, i), b) for i, b in enumerate(branches)]


def main(root, build, summary_path, full_path, jobs="2"):
    root = pathlib.Path(root).resolve()
    include = str(root / "include") + os.sep
    gcdas = sorted(str(p) for p in pathlib.Path(build).resolve().rglob("*.gcda"))
    if not gcdas:
        print(f"gcov_json: no .gcda files under {build}", file=sys.stderr)
        return 2
    # lines[file][lineno] = [count, {branch index: taken count}]
    lines = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        for gcda, docs, rc, err in pool.map(run_gcov, gcdas):
            if rc != 0:
                print(f"gcov_json: gcov failed on {gcda}: {err.strip()}", file=sys.stderr)
                return 2
            for doc in docs:
                cwd = doc.get("current_working_directory", "")
                for f in doc["files"]:
                    path = os.path.normpath(os.path.join(cwd, f["file"]))
                    if not path.startswith(include):
                        continue
                    per_file = lines.setdefault(os.path.relpath(path, root), {})
                    functions = f.get("functions", [])
                    starts = {fn["name"]: (fn["start_line"], fn["start_column"]) for fn in functions}
                    index_in = {}
                    for line in f["lines"]:
                        entry = per_file.setdefault(line["line_number"], [0, {}])
                        entry[0] += line["count"]
                        for key, b in branch_keys(line, functions, starts, index_in):
                            if not b.get("throw"):
                                entry[1][key] = entry[1].get(key, 0) + b["count"]

    files_full, files_summary = [], []
    totals = {"line_covered": 0, "line_total": 0, "branch_covered": 0, "branch_total": 0}
    for name in sorted(lines):
        text = (root / name).read_text().splitlines()
        out_lines, s = [], dict.fromkeys(totals, 0)
        for lineno in sorted(lines[name]):
            count, branches = lines[name][lineno]
            code = code_of(text[lineno - 1]) if lineno <= len(text) else ""
            noncode = count == 0 and (code in ("", "{", "}", "else"))
            if noncode:
                out_lines.append({"line_number": lineno, "count": 0, "branches": [],
                                  "gcovr/noncode": True})
                continue
            s["line_total"] += 1
            s["line_covered"] += count > 0
            s["branch_total"] += len(branches)
            s["branch_covered"] += sum(1 for c in branches.values() if c > 0)
            out_lines.append({"line_number": lineno, "count": count,
                              "branches": [{"count": branches[i]} for i in sorted(branches)],
                              "gcovr/noncode": False})
        files_full.append({"file": name, "lines": out_lines})
        files_summary.append({"filename": name, **s})
        for k in totals:
            totals[k] += s[k]
    pathlib.Path(summary_path).write_text(json.dumps({"files": files_summary, **totals}, indent=1))
    pathlib.Path(full_path).write_text(json.dumps({"files": files_full}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
