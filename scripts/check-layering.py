#!/usr/bin/env python3
"""Enforces the dependency rules of DESIGN.md ("Dependency rules") on #include lines.

Includes of our own files are followed transitively (include/sofy/... by <sofy/...>, the
rest of the tree by "dir/file"), so a rule about a header also holds for everything it pulls in.

  model.hpp, error.hpp         nothing of ours but <sofy/detail/config.hpp>, which is macros only
  decode.hpp                   only model.hpp, error.hpp, its own impl/detail files and Boost.JSON
  http/parser.hpp, message.hpp no Asio, no OpenSSL, no <coroutine>
  client.hpp                   the only library header that knows both the Sofy routes and HTTP
  include/sofy/                nothing from notifier/, sim/ or examples/
  notifier/ detection and      no Asio, no SQLite, nothing of the HTTP layer or the client
    rendering
  SQLite                       included by notifier/state_store.cpp only
  notifier/sinks/X             knows no other sink (sink.hpp is the shared interface)

Prints each violation as FILE:LINE: message and exits 1 if there is any.
  scripts/check-layering.py [--tracked]   --tracked: only files tracked by git
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INC = ROOT / "include"
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SOURCE_SUFFIXES = {".hpp", ".ipp", ".cpp", ".h"}

ASIO = re.compile(r"^(asio\.hpp|asio/|boost/asio)")
OPENSSL = re.compile(r"^openssl/")
COROUTINE = re.compile(r"^coroutine$")
SQLITE = re.compile(r"^sqlite3")
HTTP_LAYER = re.compile(r"^sofy/http/")
SOFY_CLIENT = re.compile(r"^sofy/(client\.hpp|impl/client\.)")


def tracked_files(tracked_only):
    if tracked_only:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], check=True,
                             capture_output=True, text=True).stdout
        paths = [ROOT / line for line in out.splitlines()]
    else:
        paths = [p for p in ROOT.rglob("*")
                 if p.relative_to(ROOT).parts[0] not in ("build", ".git")]
    return sorted(p for p in paths if p.suffix in SOURCE_SUFFIXES and p.is_file())


def direct_includes(path):
    """[(line, kind, name)] for every #include in path; kind is '<' or '"'."""
    text = path.read_text(errors="replace")
    result = []
    for m in INCLUDE_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        result.append((line, m.group(1), m.group(2)))
    return result


def resolve(name, kind):
    """Our file for an include name, or None for a system or third-party header."""
    if name.startswith("sofy/"):
        p = INC / name
        return p if p.is_file() else None
    if kind == '"':
        p = ROOT / name
        return p if p.is_file() else None
    return None


def closure(start):
    """{included name: (file that includes it, line)} over start and everything of ours it pulls in."""
    seen_files, names, todo = {start}, {}, [start]
    while todo:
        f = todo.pop()
        for line, kind, name in direct_includes(f):
            names.setdefault(name, (f, line))
            p = resolve(name, kind)
            if p is not None and p not in seen_files:
                seen_files.add(p)
                todo.append(p)
    return names


def rel(p):
    return p.relative_to(ROOT).as_posix()


problems = []


def report(where, line, message):
    problems.append(f"{rel(where)}:{line}: {message}")


def forbid(start, pattern, what):
    """start must not pull in any include whose name matches pattern."""
    for name, (f, line) in sorted(closure(start).items()):
        if pattern.search(name):
            via = "" if f == start else f" (through {rel(f)})"
            report(f, line, f"{rel(start)} must not include {what}: <{name}>{via}")


def ours(name, kind):
    return name.startswith("sofy/") or resolve(name, kind) is not None


def check_config_is_macros_only():
    cfg = INC / "sofy/detail/config.hpp"
    for n, text in enumerate(cfg.read_text().splitlines(), 1):
        s = text.strip()
        if s and not s.startswith("#") and not s.startswith("//"):
            report(cfg, n, "sofy/detail/config.hpp must hold only preprocessor lines and comments")


def check_leaves():
    allowed = {"sofy/detail/config.hpp", "sofy/impl/model.ipp", "sofy/impl/error.ipp",
               "sofy/model.hpp", "sofy/error.hpp"}
    for leaf in ("sofy/model.hpp", "sofy/error.hpp"):
        start = INC / leaf
        for name, (f, line) in sorted(closure(start).items()):
            if name.startswith("sofy/") and name not in allowed:
                report(f, line, f"{leaf} must include nothing of ours: <{name}>")
            elif not name.startswith("sofy/") and "/" in name:
                report(f, line, f"{leaf} must include only the standard library: <{name}>")


def check_decode():
    allowed_ours = {"sofy/decode.hpp", "sofy/impl/decode.ipp", "sofy/detail/json_records.hpp",
                    "sofy/model.hpp", "sofy/impl/model.ipp", "sofy/error.hpp",
                    "sofy/impl/error.ipp", "sofy/detail/config.hpp"}
    start = INC / "sofy/decode.hpp"
    for name, (f, line) in sorted(closure(start).items()):
        if name.startswith("sofy/"):
            if name not in allowed_ours:
                report(f, line, f"sofy/decode.hpp may include only model.hpp and error.hpp: <{name}>")
        elif "/" in name and not name.startswith("boost/json"):
            report(f, line, f"sofy/decode.hpp may use only Boost.JSON: <{name}>")
        elif COROUTINE.search(name):
            report(f, line, "sofy/decode.hpp must stay free of coroutines")


def check_sans_io_http():
    for h in ("sofy/http/parser.hpp", "sofy/http/message.hpp"):
        start = INC / h
        forbid(start, ASIO, "Asio")
        forbid(start, OPENSSL, "OpenSSL")
        forbid(start, COROUTINE, "a coroutine header")


def check_library(files):
    # Only the Sofy client (and the umbrella/src lists) joins the Sofy routes to the HTTP layer.
    joins = {"sofy/client.hpp", "sofy/impl/client.hpp", "sofy/impl/client.ipp",
             "sofy/sofy.hpp", "sofy/src.hpp"}
    sofy_level = re.compile(r"^sofy/(decode|model|client)\.hpp$")
    for f in files:
        if INC not in f.parents:
            continue
        name = f.relative_to(INC).as_posix()
        for line, kind, inc in direct_includes(f):
            if re.match(r"^(notifier|sim|examples)/", inc):
                report(f, line, f"the library must not include {inc}")
            if name.startswith("sofy/http/") and sofy_level.match(inc):
                report(f, line, f"the HTTP layer must not know the Sofy API: <{inc}>")
            if (name not in joins and not name.startswith("sofy/http/")
                    and HTTP_LAYER.match(inc)):
                report(f, line, f"only sofy/client.hpp may join the Sofy API to the HTTP layer: <{inc}>")
        if name not in joins:
            for n, text in enumerate(f.read_text().splitlines(), 1):
                code = text.split("//", 1)[0]  # a usage example in a comment is fine
                if re.search(r'"(scheduler|parser|application|device)-microservice"', code):
                    report(f, n, "Sofy routes belong in sofy/client.hpp and its impl files")


def check_notifier(files):
    # Detection and message rendering: pure functions over values.
    pure = [ROOT / "notifier" / n for n in (
        "detect.hpp", "detect.cpp", "event.hpp", "event.cpp", "template.hpp", "template.cpp",
        "detail/text.hpp", "detail/text.cpp")]
    pure += sorted((ROOT / "notifier/sinks").glob("*.[ch]pp"))
    for f in pure:
        if not f.is_file():
            continue
        forbid(f, ASIO, "Asio")
        forbid(f, SQLITE, "SQLite")
        forbid(f, HTTP_LAYER, "the HTTP layer")
        forbid(f, SOFY_CLIENT, "the Sofy client")
        forbid(f, COROUTINE, "a coroutine header")

    # SQLite: the state store only, anywhere in the tree.
    store = ROOT / "notifier/state_store.cpp"
    for f in files:
        if f == store:
            continue
        for line, _, inc in direct_includes(f):
            if SQLITE.search(inc):
                report(f, line, "only notifier/state_store.cpp may include SQLite")

    # Each sink knows nothing of the others.
    for f in sorted((ROOT / "notifier/sinks").glob("*.[ch]pp")):
        if f.stem == "sink":
            continue
        for name, (g, line) in sorted(closure(f).items()):
            m = re.match(r"^notifier/sinks/(\w+)\.hpp$", name)
            if m and m.group(1) not in (f.stem, "sink"):
                report(g, line, f"sink {f.stem} must not know sink {m.group(1)}: {name}")


def main():
    tracked = "--tracked" in sys.argv[1:]
    files = tracked_files(tracked)
    check_config_is_macros_only()
    check_leaves()
    check_decode()
    check_sans_io_http()
    check_library(files)
    check_notifier(files)
    for p in sorted(set(problems)):
        print(p)
    if problems:
        print(f"check-layering: {len(set(problems))} violation(s)", file=sys.stderr)
        return 1
    print("check-layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
