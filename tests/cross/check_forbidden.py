#!/usr/bin/env python3
"""Fails, listing file:line, when a header under include/ (except alimqtt/fmt.hpp)
includes a heap/exception/iostream/fmt header or uses new, malloc, throw, try,
dynamic_cast or typeid. Comments and string literals are ignored.
Usage: check_forbidden.py <include-dir>"""
import pathlib
import re
import sys

FORBIDDEN_INCLUDES = re.compile(
    r'^\s*#\s*include\s*[<"]\s*(fmt/[^>"]*|iostream|ostream|istream|sstream|fstream|vector|'
    r'string|functional|map|unordered_map|set|unordered_set|list|deque|memory_resource|'
    r'regex|exception|stdexcept|typeinfo|cstdio|stdio\.h)\s*[>"]')
FORBIDDEN_WORDS = re.compile(
    r'\b(throw|try|catch|dynamic_cast|typeid|printf|puts|'
    r'std::(?:vector|string|function|map|unordered_map|cout|cerr|make_unique|make_shared|'
    r'unique_ptr|shared_ptr))\b')
# C allocation calls (a member or variable merely named `free` is fine).
C_ALLOC = re.compile(r'(?<![\w.>])(?:std::|::)?\b(malloc|calloc|realloc|free|aligned_alloc)\s*\(')
# `new` is forbidden except placement new (`new (ptr) T`), which allocates nothing.
HEAP_NEW = re.compile(r'\bnew\b(?!\s*\((?!\s*std::nothrow))')
OPERATOR_NEW = re.compile(r'\boperator\s+new\b')


def strip_comments_and_strings(text):
    """Blank out comments and string/char literals, keeping line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c in '"\'':
            # raw strings are rare in headers; handle R"( ... )" simply
            if c == '"' and i > 0 and text[i - 1] == 'R':
                j = text.find(')"', i)
                j = n if j < 0 else j + 2
            else:
                j = i + 1
                while j < n and text[j] != c and text[j] != '\n':
                    j += 2 if text[j] == '\\' else 1
                j += 1
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def main():
    root = pathlib.Path(sys.argv[1])
    headers = sorted(p for p in root.rglob('*.hpp') if p.relative_to(root).as_posix() != 'alimqtt/fmt.hpp')
    findings = []
    for path in headers:
        raw = path.read_text(encoding='utf-8')
        raw_lines = raw.splitlines()
        # Include lines are checked on the raw text (the header name looks like a string).
        for no, line in enumerate(raw_lines, 1):
            m = FORBIDDEN_INCLUDES.match(line)
            if m:
                findings.append(f'{path}:{no}: includes <{m.group(1)}>: {line.strip()}')
        code = strip_comments_and_strings(raw).splitlines()
        for no, line in enumerate(code, 1):
            if re.match(r'^\s*#\s*include\b', line):
                continue
            for regex in (FORBIDDEN_WORDS, C_ALLOC, HEAP_NEW, OPERATOR_NEW):
                m = regex.search(line)
                if m:
                    findings.append(f'{path}:{no}: uses `{m.group(0)}`: {raw_lines[no - 1].strip()}')
                    break
    print(f'checked {len(headers)} header(s) under {root}')
    for f in findings:
        print(f)
    if findings:
        print(f'{len(findings)} forbidden use(s): headers must stay heap-, exception-, RTTI- and iostream-free')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
