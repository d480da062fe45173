#!/usr/bin/env python3
"""Proves that rseq_sections_check.py catches each fault it claims to catch.

Usage: rseq_sections_check_test.py --image IMAGE --preprocessed FILE... --objdump OBJDUMP --addr2line ADDR2LINE

Takes an image that passes the check, writes copies with one fault each
(a wrong signature, a section ending before its committing store, an abort
handler inside its section, a section outside the text, an unlisted
descriptor, a wrong version, an end inside an instruction, a section kind
missing from the image) and asserts that the check fails on each copy,
naming that fault. native-build.sh check-sections runs it after the check.
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rseq_sections_check as check  # noqa: E402


def run_check(image, preprocessed, args):
    return subprocess.run(
        [sys.executable, check.__file__, "--image", image, "--preprocessed", *preprocessed,
         "--objdump", args["objdump"], "--addr2line", args["addr2line"]],
        capture_output=True, text=True)


def main():
    args = check.arguments(__doc__)
    tools = {"objdump": args.objdump, "addr2line": args.addr2line}

    elf = check.Elf(args.image)
    cs_addr, cs_offset, _ = elf.sections["__rseq_cs"]
    _, ptr_offset, _ = elf.sections["__rseq_cs_ptr_array"]
    first = check.descriptors(elf)[0]
    descriptor_offset = cs_offset + first[0] - cs_addr
    _, _, _, start, length, abort = first
    instructions = [i for i in check.disassemble(args.objdump, args.image, start, start + length + 16)
                    if i[0] < start + length]
    # A section that ends after a non-store: the last such instruction before the commit.
    non_store = next(i for i in reversed(instructions[:-1]) if not check.is_store(elf.machine, i[2], i[3]))
    before_commit = non_store[0] + non_store[1] - start

    def field(name, value):
        at = descriptor_offset + {"version": 0, "start": 8, "length": 16, "abort": 24}[name]
        fmt = "<I" if name == "version" else "<Q"
        return lambda data: struct.pack_into(fmt, data, at, value)

    def code(address, value):
        hit = elf.executable_section(address, 4)
        _, addr, offset = hit
        return lambda data: struct.pack_into("<I", data, offset + address - addr, value)

    def unlist_first(data):
        second = struct.unpack_from("<Q", data, ptr_offset + 8)[0]
        struct.pack_into("<Q", data, ptr_offset, second)

    faults = [
        ("wrong signature", code(abort - 4, check.SIGNATURES[elf.machine] ^ 1), "the 4 bytes before abort_ip"),
        ("section ends on a non-store", field("length", before_commit), "is not a store"),
        ("abort handler inside", field("abort", start), "lies inside the section"),
        ("section outside the text", field("start", 0x10), "is not inside one executable section"),
        ("descriptor not listed", unlist_first, "every descriptor must be listed once"),
        ("wrong version", field("version", 1), "version 1"),
        ("end inside an instruction", field("length", length + 1), "no instruction ends at"),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        clean = run_check(args.image, args.preprocessed, tools)
        if clean.returncode != 0:
            failures.append(f"the unchanged image fails: {clean.stderr.strip()}")
        with open(args.image, "rb") as f:
            original = f.read()
        for name, mutate, expected in faults:
            data = bytearray(original)
            mutate(data)
            path = os.path.join(tmp, "image")
            with open(path, "wb") as f:
                f.write(data)
            result = run_check(path, args.preprocessed, tools)
            if result.returncode == 0 or expected not in result.stderr:
                failures.append(f"{name}: expected a failure naming '{expected}', got exit {result.returncode}: "
                                f"{result.stderr.strip()}")
        extra = os.path.join(tmp, "extra_kind.i")
        with open(extra, "w") as f:
            f.write('static void percpu_cs_missing(void)\n{ __asm__(".pushsection __rseq_cs, \\"aw\\"\\n\\t"); }\n')
        result = run_check(args.image, args.preprocessed + [extra], tools)
        if result.returncode == 0 or "percpu_cs_missing has no descriptor" not in result.stderr:
            failures.append(f"missing kind: not reported: {result.stderr.strip()}")
    machine = check.MACHINE_NAMES[elf.machine]
    if failures:
        for f in failures:
            print(f"  {machine}: {f}", file=sys.stderr)
        print(f"rseq sections check self-test: FAILED ({len(failures)})", file=sys.stderr)
        sys.exit(1)
    print(f"rseq sections check self-test: {machine}: the check caught all {len(faults) + 1} planted faults")


if __name__ == "__main__":
    main()
