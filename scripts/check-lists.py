#!/usr/bin/env python3
"""Checks the hand-kept lists that mirror other files.

  include/sofy/sofy.hpp   includes every public header
  include/sofy/src.hpp    includes every impl/*.ipp
  tests/**/meson.build    lists the same test executables and sources as the
                          sofy_add_test() calls in the CMakeLists.txt beside it

Prints each difference with the line to add or remove and exits 1 if there is any.
  scripts/check-lists.py [--tracked]   --tracked: only files tracked by git
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INC = ROOT / "include"
NOT_IN_UMBRELLA = {"sofy/sofy.hpp", "sofy/src.hpp", "sofy/boost_json_impl.hpp"}


def files(tracked_only):
    if tracked_only:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], check=True,
                             capture_output=True, text=True).stdout
        return {ROOT / line for line in out.splitlines()}
    return {p for p in ROOT.rglob("*") if "build" not in p.relative_to(ROOT).parts[:1]}


def includes(path):
    text = path.read_text()
    return re.findall(r'^\s*#\s*include\s*<(sofy/[^>]+)>', text, re.M)


def check_headers(all_files):
    problems = []
    public, ipps = set(), set()
    for p in all_files:
        if not p.is_file() or INC not in p.parents:
            continue
        rel = p.relative_to(INC).as_posix()
        parts = rel.split("/")
        if rel.endswith(".ipp"):
            ipps.add(rel)
        elif rel.endswith(".hpp") and "detail" not in parts and "impl" not in parts \
                and rel not in NOT_IN_UMBRELLA:
            public.add(rel)
    umbrella = set(includes(INC / "sofy/sofy.hpp"))
    src = set(includes(INC / "sofy/src.hpp"))
    for h in sorted(public - umbrella):
        problems.append(f"include/sofy/sofy.hpp: add   #include <{h}>")
    for h in sorted(ipps - src):
        problems.append(f"include/sofy/src.hpp: add   #include <{h}>")
    for h in sorted((umbrella | (src - {"sofy/sofy.hpp"})) - public - ipps):
        problems.append(f"sofy.hpp/src.hpp: remove   #include <{h}> (no such file)")
    return problems


def strip_comments(text, marker):
    return "\n".join(line.split(marker, 1)[0] for line in text.splitlines())


def cmake_tests(path):
    """{name: [sources relative to tests/]} from sofy_add_test(NAME [NO_PCH] SRC...) calls."""
    text = strip_comments(path.read_text(), "#")
    tests = {}
    for m in re.finditer(r'\bsofy_add_test\s*\(([^)]*)\)', text):
        args = [a.strip('"') for a in m.group(1).split()]
        if not args or args[0] == "name":  # the function's own definition
            continue
        srcs = [a for a in args[1:] if a != "NO_PCH"]
        tests[args[0]] = sorted(normalise(path.parent, s) for s in srcs)
    return tests


def meson_tests(path):
    """{name: [sources relative to tests/]} from "'name': files('a.cpp', ...)" entries,
    and the names marked "# CMake only: NAME (why)" (tests that need the tools' code)."""
    raw = path.read_text()
    cmake_only = set(re.findall(r'#\s*CMake only:\s*([A-Za-z0-9_]+)', raw))
    text = strip_comments(raw, "#")
    tests = {name: None for name in cmake_only}
    for m in re.finditer(r"'([A-Za-z0-9_]+)'\s*:\s*files\(([^)]*)\)", text):
        srcs = re.findall(r"'([^']+)'", m.group(2))
        tests[m.group(1)] = sorted(normalise(path.parent, s) for s in srcs)
    return tests


def normalise(base, src):
    src = src.replace("${CMAKE_CURRENT_SOURCE_DIR}/", "")
    return (base / src).resolve().relative_to(ROOT / "tests").as_posix()


def check_meson(all_files):
    problems, notes = [], []
    for cm in sorted(p for p in all_files if p.name == "CMakeLists.txt"
                     and (ROOT / "tests") in p.parents):
        rel = cm.parent.relative_to(ROOT).as_posix()
        if rel.startswith(("tests/fuzz", "tests/consumers")):
            continue
        ours = cmake_tests(cm)
        mb = cm.parent / "meson.build"
        if not mb.exists():
            if ours:
                notes.append(f"{rel}: CMake only (no meson.build): {', '.join(sorted(ours))}")
            continue
        theirs = meson_tests(mb)
        for name in sorted(set(ours) | set(theirs)):
            if name in theirs and theirs[name] is None:  # marked CMake only
                if name not in ours:
                    problems.append(f"{rel}/meson.build: '{name}' is marked CMake only "
                                    f"but CMake has no such test")
                continue
            if ours.get(name) != theirs.get(name):
                problems.append(f"{rel}/meson.build: '{name}' has {theirs.get(name)}, "
                                f"CMake has {ours.get(name)}")
    return problems, notes


def main():
    all_files = files("--tracked" in sys.argv[1:])
    problems = check_headers(all_files)
    meson_problems, notes = check_meson(all_files)
    problems += meson_problems
    for n in notes:
        print(f"check-lists: note: {n}")
    for p in problems:
        print(f"check-lists: {p}")
    print(f"check-lists: {'out of step' if problems else 'in step'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
