#!/usr/bin/env python3
"""Proves that glibc_versions_check.py fails on a library it must refuse.

Usage: glibc_versions_check_test.py --cc CC --objdump OBJDUMP

Parses objdump output samples (versions in and out of parentheses, a weak
reference, GLIBC_PRIVATE, a version reference without a symbol), then
builds two small shared libraries with CC: one calling reallocarray (the
version GLIBC_2.26 on every architecture) must fail the check at baseline
2.17 with a message naming reallocarray@GLIBC_2.26; one calling malloc
only must pass. native-build.sh check-glibc runs it after the check.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glibc_versions_check as check  # noqa: E402

SAMPLE_T = """
libpercpu.so:     file format elf64-x86-64

DYNAMIC SYMBOL TABLE:
0000000000000000  w   D  *UND*\t0000000000000000 (GLIBC_2.35) __rseq_offset
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.34) pthread_once
0000000000000000      DF *UND*\t0000000000000000  GLIBC_2.2.5 malloc
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_PRIVATE) _dl_secret
0000000000001234 g    DF .text\t0000000000000010  Base        Java_dev_percpu_bridge_RseqCalls_pop
"""

SAMPLE_P = """
Version References:
  required from ld-linux-x86-64.so.2:
    0x0d696915 0x00 05 GLIBC_2.35
    0x0d696918 0x00 07 GLIBC_2.18
  required from libc.so.6:
    0x069691b4 0x00 04 GLIBC_2.34
    0x09691a75 0x00 02 GLIBC_2.2.5
"""


def check_parsing(failures):
    found = sorted(check.symbols(SAMPLE_T))
    expected = sorted([("__rseq_offset", "GLIBC_2.35"), ("pthread_once", "GLIBC_2.34"),
                       ("malloc", "GLIBC_2.2.5"), ("_dl_secret", "GLIBC_PRIVATE")])
    if found != expected:
        failures.append(f"symbols: {found} != {expected}")
    refs = check.references(SAMPLE_P)
    if refs.get("GLIBC_2.35") != "ld-linux-x86-64.so.2" or refs.get("GLIBC_2.2.5") != "libc.so.6":
        failures.append(f"references: {refs}")
    bad = check.violations(SAMPLE_T, SAMPLE_P, "2.17")
    wanted = ["_dl_secret@GLIBC_PRIVATE", "__rseq_offset@GLIBC_2.35 (from ld-linux-x86-64.so.2)",
              "pthread_once@GLIBC_2.34 (from libc.so.6)",
              "version GLIBC_2.18 required from ld-linux-x86-64.so.2 (no symbol in objdump -T names it)"]
    if bad != wanted:
        failures.append(f"violations: {bad} != {wanted}")
    if check.violations(SAMPLE_T, SAMPLE_P, "2.35") != ["_dl_secret@GLIBC_PRIVATE"]:
        failures.append("baseline 2.35 must only refuse GLIBC_PRIVATE")
    if check.version_key("GLIBC_2.2.5") >= check.version_key("GLIBC_2.17"):
        failures.append("GLIBC_2.2.5 must sort below GLIBC_2.17")


def build(cc, directory, name, body):
    source = os.path.join(directory, name + ".c")
    library = os.path.join(directory, name + ".so")
    with open(source, "w") as f:
        f.write("#include <stddef.h>\n#include <stdlib.h>\n"
                "void *reallocarray(void *, size_t, size_t);\n"
                f"void *probe(void *p, size_t n) {{ {body} }}\n")
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", library, source], check=True)
    return library


def check_real_libraries(cc, objdump, failures):
    with tempfile.TemporaryDirectory() as tmp:
        new = build(cc, tmp, "needs_2_26", "return reallocarray(p, n, 16);")
        old = build(cc, tmp, "needs_old", "(void) p; return malloc(n);")
        run = [sys.executable, check.__file__, "--objdump", objdump, "--baseline", "2.17"]
        refused = subprocess.run(run + [new], capture_output=True, text=True)
        if refused.returncode == 0 or "reallocarray@GLIBC_2.26" not in refused.stderr:
            failures.append(f"a library calling reallocarray passed or was not named: "
                            f"exit {refused.returncode}, {refused.stderr.strip()}")
        accepted = subprocess.run(run + [old], capture_output=True, text=True)
        if accepted.returncode != 0:
            failures.append(f"a library calling malloc only failed: {accepted.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cc", default="gcc")
    parser.add_argument("--objdump", default="objdump")
    args = parser.parse_args()
    failures = []
    check_parsing(failures)
    check_real_libraries(args.cc, args.objdump, failures)
    if failures:
        for failure in failures:
            print(f"glibc_versions_check_test: FAILED: {failure}", file=sys.stderr)
        return 1
    print("glibc_versions_check_test: the check parses objdump's output, refuses a library needing "
          "GLIBC_2.26 (naming the symbol) and accepts one needing nothing above GLIBC_2.17")
    return 0


if __name__ == "__main__":
    sys.exit(main())
