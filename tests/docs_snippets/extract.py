#!/usr/bin/env python3
"""Extracts every ```cpp block of README.md and docs/**/*.md into one C++
translation unit each, for tests/docs_snippets to compile with -Werror.

usage: extract.py <source root> <output dir> [<module root>...]

A block is compiled as a whole translation unit unless the line right above
its fence is a marker comment (invisible when the markdown is rendered):

    <!-- snippet: file [context=<name>] -->   a translation unit (the default)
    <!-- snippet: body [context=<name>] -->   statements: wrapped in a function

The block's #include lines are moved to the top. Then context=<name> includes
tests/docs_snippets/contexts/<name>.hpp: the stand-ins for what the page says
the application provides (its packet type, its callbacks, variables from the
prose or an earlier block). What a reader copies (library headers, using
directives) belongs in the block, except on pages whose blocks are written
inside `using namespace vpnwire;` without includes (the context says so).
#line directives make compiler errors point at the markdown line.

Quoted #include lines (the block's, the context's, and theirs in turn) are
looked up in include/ and then in each <module root> (header-only code
outside the library that pages show in use, such as the CLI's modules in
examples/vpnwire, included as "keys/import.hpp"). snippets.cmake lists, per
block, the module roots it needs on its include path and every library
header it reaches, so the build can link the optional backends it uses (or
skip the block when a backend is not available).

Writes <output dir>/<page>_<line>.cpp (only when the content changed, so an
unchanged block is not recompiled) and <output dir>/snippets.cmake listing
them; removes the files of blocks that no longer exist.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
out = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
contexts = root / "tests/docs_snippets/contexts"
module_roots = sys.argv[3:]
search_roots = ["include"] + module_roots
include_re = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def quoted_includes(lines):
    return [m.group(1) for m in map(include_re.match, lines) if m]


def reached(names, here=None):
    """(module roots used, library headers reached) by quoted includes `names`,
    followed through the headers they resolve to. `here`: the including
    file's directory, searched first (as the compiler does for quotes)."""
    roots, headers, seen = set(), set(), set()
    todo = [(n, here) for n in names]
    while todo:
        name, base = todo.pop()
        hit = None
        if base is not None and (base / name).is_file():
            hit = (base / name).resolve()
        else:
            for r in search_roots:
                if (root / r / name).is_file():
                    hit = (root / r / name).resolve()
                    if r != "include":
                        roots.add(r)
                    break
        if hit is None or hit in seen:
            continue  # not ours (the compiler reports a missing header)
        seen.add(hit)
        rel_hit = hit.relative_to(root).as_posix()
        if rel_hit.startswith("include/"):
            headers.add(rel_hit)
        todo += [(n, hit.parent) for n in quoted_includes(hit.read_text().splitlines())]
    return roots, headers

pages = [root / "README.md"] + sorted((root / "docs").rglob("*.md"))
marker_re = re.compile(r"^<!--\s*snippet:\s*(file|body)((?:\s+context=[\w-]+)?)\s*-->\s*$")
fence_re = re.compile(r"^(\s*)```+\s*(c\+\+|cpp|cxx)\b", re.I)
errors = []
written = {}

for page in pages:
    rel = page.relative_to(root).as_posix()
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = fence_re.match(lines[i])
        if not m:
            if lines[i].lstrip().startswith("<!--") and "snippet" in lines[i] and not marker_re.match(lines[i].strip()):
                errors.append(f"{rel}:{i + 1}: malformed snippet marker: {lines[i].strip()}")
            i += 1
            continue
        indent = len(m.group(1))
        start = i + 1  # first line of code, 0-based
        j = start
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        if j == len(lines):
            errors.append(f"{rel}:{i + 1}: unterminated ```cpp block")
            break
        body = [ln[indent:] if ln[:indent].strip() == "" else ln for ln in lines[start:j]]
        mode, context = "file", None
        if i > 0 and lines[i - 1].strip().startswith("<!--"):
            mk = marker_re.match(lines[i - 1].strip())
            if not mk:
                errors.append(f"{rel}:{i}: malformed snippet marker: {lines[i - 1].strip()}")
            else:
                mode = mk.group(1)
                if mk.group(2).strip():
                    context = mk.group(2).strip().split("=", 1)[1]
        if context and not (contexts / f"{context}.hpp").exists():
            errors.append(f"{rel}:{i}: unknown context '{context}' (no tests/docs_snippets/contexts/{context}.hpp)")
        name = re.sub(r"[^A-Za-z0-9]+", "_", rel.removesuffix(".md")) + f"_{i + 1}"
        text = [f"// Generated by tests/docs_snippets/extract.py from {rel}:{i + 1}"
                f" (mode {mode}{', context ' + context if context else ''}). Edit the markdown, not this file."]
        # The block's #include lines come first, then the context (whose
        # stand-ins would otherwise be shadowed by parameters in the headers);
        # blank lines keep the numbering.
        for k, ln in enumerate(body):
            if ln.lstrip().startswith("#include"):
                text += [f'#line {start + 1 + k} "{page}"', ln]
        body = ["" if ln.lstrip().startswith("#include") else ln for ln in body]
        if context:
            text.append(f'#include "{context}.hpp"')
        if mode == "body":
            # A context gives the variables the prose provides as parameters
            # (globals named `now` or `cfg` would be shadowed inside templates).
            # DOCS_SNIPPET_RETURN: the type a `return x;` in the block returns
            # (void by default); the wrapper ends with `return DOCS_SNIPPET_RETURN();`.
            text += ["#ifndef DOCS_SNIPPET_PARAMETERS", "#define DOCS_SNIPPET_PARAMETERS", "#endif",
                     "#ifndef DOCS_SNIPPET_RETURN", "#define DOCS_SNIPPET_RETURN void", "#endif",
                     f"inline DOCS_SNIPPET_RETURN docs_snippet_{name}(DOCS_SNIPPET_PARAMETERS) {{"]
        text.append(f'#line {start + 1} "{page}"')
        text += body
        if mode == "body":
            text += ["return DOCS_SNIPPET_RETURN();", "}"]
        # The block's includes and the context's (contexts/ is on the include path).
        roots, headers = reached(quoted_includes(text), contexts)
        written[f"{name}.cpp"] = ("\n".join(text) + "\n", rel, i + 1, mode, sorted(roots), sorted(headers))
        i = j + 1

if errors:
    sys.exit("\n".join(errors))
for f in out.glob("*.cpp"):
    if f.name not in written:
        f.unlink()
entries, details = [], []
for fname, (content, rel, line, mode, roots, headers) in sorted(written.items()):
    f = out / fname
    if not f.exists() or f.read_text() != content:
        f.write_text(content)
    entries.append(f'  "{fname}|{rel}:{line}|{mode}"')
    stem = fname.removesuffix(".cpp")
    details.append(f"set(DOCS_SNIPPET_{stem}_ROOTS {' '.join(roots)})\n"
                   f"set(DOCS_SNIPPET_{stem}_HEADERS {' '.join(headers)})")
listing = "set(DOCS_SNIPPETS\n" + "\n".join(entries) + ")\n" + "\n".join(details) + "\n"
lst = out / "snippets.cmake"
if not lst.exists() or lst.read_text() != listing:
    lst.write_text(listing)
print(f"{len(written)} snippets from {len(pages)} pages")
