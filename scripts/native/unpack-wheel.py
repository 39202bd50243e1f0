"""Unpacks the part of a TensorFlow wheel that @tensorflow/tfjs-node's binding needs.

Usage: python3 unpack-wheel.py WHEEL DEST

Writes DEST/tensorflow/libtensorflow_cc.so.2, DEST/tensorflow/libtensorflow_framework.so.2 and the
C API headers (tensorflow/c/c_api.h, tensorflow/c/eager/c_api.h and every header they include, found
by following their #include lines) under DEST/tensorflow/include. DEST must not exist yet; the files
go to DEST.tmp first, which is renamed to DEST once everything is written.
"""
import os
import re
import shutil
import sys
import zipfile

LIBRARIES = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2']
INCLUDE = 'tensorflow/include/'
ROOT_HEADERS = [
    'tensorflow/c/c_api.h',
    'tensorflow/c/eager/c_api.h',
    'tensorflow/core/platform/ctstring_internal.h',
]
INCLUDE_LINE = re.compile(rb'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def header_closure(wheel):
    """Headers under tensorflow/include reachable from ROOT_HEADERS through #include "...". """
    names = set(wheel.namelist())
    todo = list(ROOT_HEADERS)
    seen = set()
    while todo:
        header = todo.pop()
        if header in seen:
            continue
        member = INCLUDE + header
        if member not in names:
            continue  # a system or generated header the C API does not ship; the compiler will say
        seen.add(header)
        todo.extend(m.decode() for m in INCLUDE_LINE.findall(wheel.read(member)))
    return sorted(INCLUDE + h for h in seen)


def main():
    wheel_path, dest = sys.argv[1], sys.argv[2]
    tmp = dest + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        missing = [m for m in LIBRARIES + [INCLUDE + ROOT_HEADERS[0]] if m not in wheel.namelist()]
        if missing:
            sys.exit(f'{wheel_path} lacks {", ".join(missing)}; is it a TensorFlow wheel?')
        for member in LIBRARIES + header_closure(wheel):
            wheel.extract(member, tmp)
    os.rename(tmp, dest)


if __name__ == '__main__':
    main()
