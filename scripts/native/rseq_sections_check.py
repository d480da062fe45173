#!/usr/bin/env python3
"""Checks every rseq critical section of a static, non-PIE image of percpu's library.

Usage: rseq_sections_check.py --image IMAGE --preprocessed FILE... --objdump OBJDUMP --addr2line ADDR2LINE

IMAGE is the library's sources compiled with the library's flags plus -g and
linked -static -no-pie (scripts/native/native-build.sh check-sections), so
every descriptor in __rseq_cs holds absolute addresses, not relocations.
The machine (x86-64 or arm64) comes from the ELF header.

For each descriptor listed in __rseq_cs_ptr_array (struct rseq_cs: version
u32, flags u32, start_ip u64, post_commit_offset u64, abort_ip u64) it checks:
  - version and flags are 0; every 32-byte record of __rseq_cs is listed;
  - [start_ip, start_ip + post_commit_offset) lies inside one executable
    section, and start_ip and the end are instruction boundaries;
  - the 4 bytes before abort_ip hold the signature glibc registers every
    thread with (sys/rseq.h RSEQ_SIG; percpu arms sections in glibc's area,
    so its sections must carry that value): 0x53053053 on x86-64, the
    instruction word 0xd428bc00 (brk #0x45e0) on arm64;
  - abort_ip is executable and outside [start_ip, start_ip + post_commit_offset);
  - the instruction that ends at start_ip + post_commit_offset, the last one
    of the section, is a store (the single committing store): a mov to
    memory on x86-64, a str/stur/stlr/stp-family store on arm64.

Section kinds: a kind is a C function whose body emits a descriptor (contains
".pushsection __rseq_cs"), found in the preprocessed library sources, so the
list follows the code of the architecture being checked. Each descriptor is
attributed to the kind it was inlined from (addr2line -i on start_ip, using
the image's DWARF). The check fails if a kind has no descriptor in the image,
if a descriptor belongs to no kind, or if fewer descriptors than kinds were
checked. Prints one line per kind and a total.
"""
import argparse
import re
import struct
import subprocess
import sys
from collections import defaultdict

EM_X86_64 = 62
EM_AARCH64 = 183
ET_EXEC = 2
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
DESCRIPTOR_SIZE = 32

# glibc's RSEQ_SIG for each machine (x86_64 and aarch64 little-endian bits/rseq.h).
SIGNATURES = {EM_X86_64: 0x53053053, EM_AARCH64: 0xD428BC00}
MACHINE_NAMES = {EM_X86_64: "x86-64", EM_AARCH64: "arm64"}

X86_STORE_MNEMONICS = {"mov", "movb", "movw", "movl", "movq"}
ARM64_STORE_MNEMONICS = {
    "str", "strb", "strh", "stur", "sturb", "sturh",
    "stlr", "stlrb", "stlrh", "stlur", "stlurb", "stlurh",
    "stp", "stnp",
}


class Elf:
    """The parts of a little-endian ELF64 executable the check reads."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            fail(f"{path}: not a little-endian 64-bit ELF file")
        self.type, self.machine = struct.unpack_from("<HH", d, 16)
        shoff = struct.unpack_from("<Q", d, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3A)
        raw = []
        for i in range(shnum):
            raw.append(struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize))
        names_offset = raw[shstrndx][4]
        self.sections = {}
        self.executable = []
        for name_at, _type, flags, addr, offset, size, *_ in raw:
            end = d.index(b"\0", names_offset + name_at)
            name = d[names_offset + name_at:end].decode()
            self.sections[name] = (addr, offset, size)
            if flags & SHF_ALLOC and flags & SHF_EXECINSTR:
                self.executable.append((name, addr, offset, size))

    def section_bytes(self, name):
        if name not in self.sections:
            fail(f"the image has no {name} section: it holds no rseq section")
        addr, offset, size = self.sections[name]
        return addr, self.data[offset:offset + size]

    def executable_section(self, address, length=1):
        """The executable section holding [address, address + length), or None."""
        for name, addr, offset, size in self.executable:
            if addr <= address and address + length <= addr + size:
                return name, addr, offset
        return None

    def read_code(self, address, length):
        hit = self.executable_section(address, length)
        if hit is None:
            return None
        _name, addr, offset = hit
        return self.data[offset + address - addr:offset + address - addr + length]


def fail(message):
    print(f"rseq sections check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def section_kinds(preprocessed_files):
    """Names of the functions whose bodies emit an rseq descriptor."""
    kinds = set()
    for path in preprocessed_files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for name, body in function_bodies(text):
            if re.search(r"\.pushsection\s+__rseq_cs\b(?!_)", body):
                kinds.add(name)
    return kinds


def function_bodies(text):
    """(name, body) of each top-level function definition of preprocessed C."""
    depth = 0
    i = 0
    body_start = None
    name = None
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            i = skip_literal(text, i)
            continue
        if c == "#" and (i == 0 or text[i - 1] == "\n"):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if c == "{":
            if depth == 0:
                name = defined_function(text, i)
                body_start = i
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and name is not None:
                yield name, text[body_start:i + 1]
                name = None
        i += 1


def skip_literal(text, i):
    quote = text[i]
    i += 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def defined_function(text, brace):
    """The function name when text[:brace] ends in 'name(parameters)', else None."""
    j = brace - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    if j < 0 or text[j] != ")":
        return None
    depth = 0
    while j >= 0:
        if text[j] == ")":
            depth += 1
        elif text[j] == "(":
            depth -= 1
            if depth == 0:
                m = re.search(r"([A-Za-z_]\w*)\s*$", text[max(0, j - 200):j])
                if m is None or m.group(1) in ("if", "while", "for", "switch", "__attribute__"):
                    return None
                return m.group(1)
        j -= 1
    return None


def descriptors(elf):
    cs_addr, cs = elf.section_bytes("__rseq_cs")
    ptr_addr, ptrs = elf.section_bytes("__rseq_cs_ptr_array")
    listed = [struct.unpack_from("<Q", ptrs, i)[0] for i in range(0, len(ptrs) - len(ptrs) % 8, 8)]
    if len(cs) != DESCRIPTOR_SIZE * len(listed) or len(set(listed)) != len(listed):
        fail(f"__rseq_cs holds {len(cs) // DESCRIPTOR_SIZE} descriptors but __rseq_cs_ptr_array lists "
             f"{len(set(listed))} distinct ones: every descriptor must be listed once")
    result = []
    for address in listed:
        at = address - cs_addr
        if at < 0 or at + DESCRIPTOR_SIZE > len(cs) or at % DESCRIPTOR_SIZE:
            fail(f"__rseq_cs_ptr_array entry {address:#x} is not a descriptor in __rseq_cs")
        result.append((address,) + struct.unpack_from("<IIQQQ", cs, at))
    return result


def disassemble(objdump, image, start, end):
    """(address, length, mnemonic, operands) of each instruction in [start, end)."""
    out = subprocess.run(
        [objdump, "-d", "-w", f"--start-address={start:#x}", f"--stop-address={end:#x}", image],
        check=True, capture_output=True, text=True).stdout
    instructions = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(\S+)\s*(.*)$", line)
        if m:
            length = len(m.group(2).replace(" ", "")) // 2
            operands = re.split(r"\s[#<;]|\s//", m.group(4))[0].strip()
            instructions.append((int(m.group(1), 16), length, m.group(3), operands))
    return instructions


def is_store(machine, mnemonic, operands):
    if machine == EM_X86_64:
        destination = operands.rsplit(",", 1)[-1]
        return mnemonic in X86_STORE_MNEMONICS and "(" in destination
    return mnemonic in ARM64_STORE_MNEMONICS


def inline_chains(addr2line, image, addresses):
    """For each address, the names of the functions it sits in, innermost first."""
    out = subprocess.run([addr2line, "-a", "-f", "-i", "-e", image] + [f"{a:#x}" for a in addresses],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    chains = {}
    current = None
    i = 0
    while i < len(out):
        line = out[i]
        if re.match(r"^0x[0-9a-f]+$", line):
            current = int(line, 16)
            chains[current] = []
            i += 1
            continue
        chains[current].append(line)
        i += 2  # function name, then file:line
    return chains


def check_descriptor(elf, objdump, image, descriptor):
    """The problems found in one descriptor (empty when it passes)."""
    address, version, flags, start, length, abort = descriptor
    end = start + length
    problems = []
    if version != 0 or flags != 0:
        problems.append(f"version {version} flags {flags}, expected 0 and 0")
    if length == 0 or elf.executable_section(start, length) is None:
        problems.append(f"[{start:#x}, {end:#x}) is not inside one executable section")
        return problems
    signature = elf.read_code(abort - 4, 4)
    if signature is None or elf.executable_section(abort) is None:
        problems.append(f"abort_ip {abort:#x} is not in an executable section")
    else:
        found = struct.unpack("<I", signature)[0]
        expected = SIGNATURES[elf.machine]
        if found != expected:
            problems.append(f"the 4 bytes before abort_ip {abort:#x} are {found:#010x}, expected {expected:#010x}")
    if start <= abort < end:
        problems.append(f"abort_ip {abort:#x} lies inside the section [{start:#x}, {end:#x})")
    # Past the end too, so that an end inside an instruction shows as one (objdump would decode a
    # truncated instruction at a stop address).
    instructions = [i for i in disassemble(objdump, image, start, end + 16) if i[0] < end]
    if not instructions or instructions[0][0] != start:
        problems.append(f"start_ip {start:#x} is not an instruction boundary")
        return problems
    last_address, last_length, mnemonic, operands = instructions[-1]
    if last_address + last_length != end:
        problems.append(f"no instruction ends at start_ip + post_commit_offset = {end:#x}")
    elif not is_store(elf.machine, mnemonic, operands):
        problems.append(f"the last instruction, {mnemonic} {operands} at {last_address:#x}, is not a store")
    return problems


def arguments(doc):
    """The command line both the check and its self-test take (see the module comments)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--preprocessed", required=True, nargs="+")
    parser.add_argument("--objdump", required=True)
    parser.add_argument("--addr2line", required=True)
    return parser.parse_args()


def main():
    args = arguments(__doc__)

    elf = Elf(args.image)
    if elf.machine not in SIGNATURES:
        fail(f"{args.image}: machine {elf.machine} is neither x86-64 ({EM_X86_64}) nor arm64 ({EM_AARCH64})")
    if elf.type != ET_EXEC:
        fail(f"{args.image}: ELF type {elf.type}, expected a non-PIE executable ({ET_EXEC})")
    machine = MACHINE_NAMES[elf.machine]
    kinds = section_kinds(args.preprocessed)
    if not kinds:
        fail("no function in the preprocessed sources emits a descriptor (.pushsection __rseq_cs)")
    found = descriptors(elf)
    chains = inline_chains(args.addr2line, args.image, [d[3] for d in found])

    per_kind = defaultdict(int)
    problems = []
    for descriptor in found:
        start = descriptor[3]
        kind = next((f for f in chains.get(start, []) if f in kinds), None)
        label = f"descriptor {descriptor[0]:#x} (start_ip {start:#x}, {kind or 'no kind'})"
        if kind is None:
            problems.append(f"{label}: inlined from {chains.get(start)}, none of them a section kind")
        else:
            per_kind[kind] += 1
        problems.extend(f"{label}: {p}" for p in check_descriptor(elf, args.objdump, args.image, descriptor))

    for kind in sorted(kinds):
        print(f"  {machine} {kind}: {per_kind[kind]} descriptor(s)")
        if per_kind[kind] == 0:
            problems.append(f"section kind {kind} has no descriptor in the image")
    if len(found) < len(kinds):
        problems.append(f"{len(found)} descriptors checked, fewer than the {len(kinds)} section kinds")
    if problems:
        for p in problems:
            print(f"  {machine}: {p}", file=sys.stderr)
        fail(f"{len(problems)} problem(s) in {len(found)} {machine} descriptors")
    print(f"rseq sections check: {machine}: {len(found)} descriptors of {len(kinds)} section kinds OK "
          f"(bounds, signature {SIGNATURES[elf.machine]:#010x} before each abort handler, "
          f"abort handler outside the section, committing store last)")


if __name__ == "__main__":
    main()
