#!/usr/bin/env python3
"""Fails when a shared library needs a glibc newer than the baseline.

Usage: glibc_versions_check.py --objdump OBJDUMP --baseline 2.17 LIBRARY...

A shared library records, for every glibc symbol it uses, the symbol
version it was linked against (the newest one of the build machine's
glibc), and the dynamic loader refuses to load it where that version is
missing ("version `GLIBC_2.35' not found"), even for a weak reference.
This reads both records of each library with the architecture's objdump:
the dynamic symbol table (objdump -T: each undefined symbol with its
version) and the version references (objdump -p: each version required,
per library file). Any GLIBC_x.y above the baseline, or GLIBC_PRIVATE,
fails the check; the message names each offending symbol, its version and
the file that provides it. native-build.sh check-glibc runs it on both
packaged libraries, then glibc_versions_check_test.py.
"""
import argparse
import re
import subprocess
import sys

VERSION = re.compile(r"^\(?(GLIBC_[0-9][0-9.]*|GLIBC_PRIVATE)\)?$")


def version_key(version):
    """GLIBC_2.2.5 -> (2, 2, 5); GLIBC_PRIVATE sorts above every release."""
    if version == "GLIBC_PRIVATE":
        return (float("inf"),)
    return tuple(int(part) for part in version[len("GLIBC_"):].split("."))


def symbols(objdump_t):
    """(symbol, version) of every glibc-versioned symbol in `objdump -T` output."""
    found = []
    for line in objdump_t.splitlines():
        fields = line.split()
        for i, token in enumerate(fields):
            match = VERSION.match(token)
            if match and i + 1 < len(fields):
                found.append((fields[-1], match.group(1)))
                break
    return found


def references(objdump_p):
    """{version: file} of the glibc versions in the "Version References" of `objdump -p` output."""
    required = {}
    current = None
    in_references = False
    for line in objdump_p.splitlines():
        if line.startswith("Version References:"):
            in_references = True
            continue
        if not in_references:
            continue
        stripped = line.strip()
        if not stripped:
            if current is not None:
                break
            continue
        file_match = re.match(r"required from (\S+):$", stripped)
        if file_match:
            current = file_match.group(1)
            continue
        version = stripped.split()[-1]
        if VERSION.match(version):
            required[version] = current
    return required


def violations(objdump_t, objdump_p, baseline):
    """Lines naming each symbol (or bare version reference) newer than baseline ("2.17")."""
    limit = version_key("GLIBC_" + baseline)
    required = references(objdump_p)
    found = []
    seen_versions = set()
    for symbol, version in sorted(set(symbols(objdump_t)), key=lambda s: (version_key(s[1]), s[0]), reverse=True):
        seen_versions.add(version)
        if version_key(version) > limit:
            source = required.get(version)
            found.append(f"{symbol}@{version}" + (f" (from {source})" if source else ""))
    for version, source in sorted(required.items(), key=lambda r: version_key(r[0]), reverse=True):
        if version not in seen_versions and version_key(version) > limit:
            found.append(f"version {version} required from {source} (no symbol in objdump -T names it)")
    return found


def newest(objdump_t, objdump_p):
    versions = {v for _, v in symbols(objdump_t)} | set(references(objdump_p))
    return max(versions, key=version_key) if versions else None


def run(objdump, flag, library):
    result = subprocess.run([objdump, flag, library], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"glibc_versions_check: {objdump} {flag} {library} failed: {result.stderr.strip()}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objdump", default="objdump")
    parser.add_argument("--baseline", default="2.17", help="the newest glibc version a library may require")
    parser.add_argument("libraries", nargs="+")
    args = parser.parse_args()
    failed = False
    for library in args.libraries:
        table = run(args.objdump, "-T", library)
        private = run(args.objdump, "-p", library)
        bad = violations(table, private, args.baseline)
        if bad:
            failed = True
            print(f"glibc_versions_check: {library} requires glibc symbol versions newer than "
                  f"GLIBC_{args.baseline}, the oldest glibc it must load on:", file=sys.stderr)
            for line in bad:
                print(f"  {line}", file=sys.stderr)
            print("  The dynamic loader refuses the library on an older glibc (\"version ... not found\"), "
                  "even for weak references. Look such a symbol up at run time (dlsym), bind an older "
                  "version with .symver, or do without it (docs/build.md, \"The glibc baseline\").", file=sys.stderr)
        else:
            print(f"glibc_versions_check: {library}: newest glibc version required "
                  f"{newest(table, private) or 'none'} (baseline GLIBC_{args.baseline}): ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
