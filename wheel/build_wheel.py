#!/usr/bin/env python3
"""Builds dist/sharpicorn-VERSION-py3-none-manylinux_2_XX_ARCH.whl from the Native AOT server.

Design notes:
- A wheel is a zip with a .dist-info directory (PEP 427, PEP 491); writing one takes the
  standard library only, so nothing is fetched from a Python index and no build backend is needed.
- The platform tag is what the executable really needs (PEP 600): the highest GLIBC_x.y version
  its ELF version-needs table (.gnu.version_r) references, read here the way auditwheel does.
  The AOT server links only libc and libm; OpenSSL is loaded at run time, and only for TLS.
- The interpreter tag is py3-none: the package is plain Python and the server embeds whichever
  CPython runs it; Requires-Python states the range the server supports.
- Entries get a fixed timestamp (SOURCE_DATE_EPOCH, else 1980-01-01) and a fixed order, so the
  same binary gives the same wheel.
"""

import argparse
import base64
import hashlib
import io
import os
import re
import struct
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "sharpicorn")

# ELF constants (elf(5)).
_SHT_GNU_VERNEED = 0x6FFFFFFE
_MACHINES = {62: "x86_64", 183: "aarch64"}


def elf_requirements(path):
    """(architecture, highest GLIBC_ version needed as a (major, minor) tuple) of an ELF64 little-endian file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("build_wheel: %s is not a 64-bit little-endian ELF file (a Native AOT build is needed)" % path)
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine not in _MACHINES:
        raise SystemExit("build_wheel: %s is for ELF machine %d, which has no manylinux tag here" % (path, machine))
    shoff = struct.unpack_from("<Q", data, 40)[0]
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    sections = []
    for i in range(shnum):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize
        sections.append(struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize))
    best = (2, 0)
    for s in sections:
        if s[1] != _SHT_GNU_VERNEED:
            continue
        strtab = sections[s[6]][4]
        count = s[7]
        offset = s[4]
        for _ in range(count):
            # Elf64_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next
            _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, offset)
            a = offset + aux
            for _ in range(cnt):
                # Elf64_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next
                _, _, _, name, anext = struct.unpack_from("<IHHII", data, a)
                end = data.index(b"\0", strtab + name)
                m = re.fullmatch(rb"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", data[strtab + name:end])
                if m:
                    best = max(best, (int(m.group(1)), int(m.group(2))))
                a += anext
            offset += nxt
    return _MACHINES[machine], best


def server_version(binary):
    out = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"\(version ([^)\s]+)\)", out)
    if not m:
        raise SystemExit("build_wheel: cannot read the version from %r" % out)
    return m.group(1)


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build(binary, out_dir):
    siblings = [n for n in os.listdir(os.path.dirname(binary)) if n.endswith((".dll", ".so", ".json"))]
    if siblings:
        # A ReadyToRun or JIT build is an apphost plus assemblies and the .NET runtime: not what a wheel carries.
        raise SystemExit("build_wheel: %s is not a Native AOT build (beside it: %s); build with the AOT toolchain (gcc, zlib1g-dev)"
                         % (binary, ", ".join(sorted(siblings)[:3])))
    arch, (major, minor) = elf_requirements(binary)
    version = server_version(binary)
    tag = "py3-none-manylinux_%d_%d_%s" % (major, minor, arch)
    dist_info = "sharpicorn-%s.dist-info" % version

    with open(binary, "rb") as f:
        server = f.read()
    files = []  # (archive name, bytes, executable)
    for name in sorted(os.listdir(PACKAGE)):
        if name.endswith(".py"):
            with open(os.path.join(PACKAGE, name), "rb") as f:
                files.append(("sharpicorn/" + name, f.read(), False))
    files.append(("sharpicorn/_version.py", ('__version__ = "%s"\n' % version).encode(), False))
    files.append(("sharpicorn/bin/sharpicorn", server, True))
    files.sort(key=lambda x: x[0])
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: sharpicorn",
        "Version: " + version,
        "Summary: A drop-in for gunicorn: the same command line, on a native server (Kestrel) embedding CPython.",
        "Requires-Python: >=3.9, <3.14",
        "Platform: Linux",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Internet :: WWW/HTTP :: WSGI :: Server",
        "",
        "The wheel carries the Native AOT server (glibc %d.%d or newer, %s) and a small package whose"
        % (major, minor, arch),
        "`sharpicorn` console script and `python -m sharpicorn` run it with this environment's interpreter,",
        "which needs a shared libpython.",
        "",
    ])
    wheel = "\n".join([
        "Wheel-Version: 1.0",
        "Generator: sharpicorn build_wheel.py",
        "Root-Is-Purelib: false",
        "Tag: " + tag,
        "",
    ])
    entry_points = "[console_scripts]\nsharpicorn = sharpicorn:main\n"
    files += [
        (dist_info + "/METADATA", metadata.encode(), False),
        (dist_info + "/WHEEL", wheel.encode(), False),
        (dist_info + "/entry_points.txt", entry_points.encode(), False),
    ]
    record_name = dist_info + "/RECORD"
    record = "".join("%s,%s,%d\n" % (n, record_hash(d), len(d)) for n, d, _ in files) + record_name + ",,\n"
    files.append((record_name, record.encode(), False))

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "sharpicorn-%s-%s.whl" % (version, tag))
    stamp = _timestamp()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, executable in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            # pip keeps the executable bit from the entry's Unix mode (high 16 bits).
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            z.writestr(info, data)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
    return path


def _timestamp():
    import time
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))  # 1980-01-01, the earliest a zip can say
    return time.gmtime(max(epoch, 315532800))[:6]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", required=True, help="the Native AOT sharpicorn executable")
    p.add_argument("--out", default="dist", help="directory for the wheel (default: dist)")
    a = p.parse_args()
    print(build(os.path.abspath(a.binary), a.out))


if __name__ == "__main__":
    sys.exit(main())
