"""The text on each page of a PDF that Chromium printed: enough to tell which rows of a
table landed on which page, without a PDF library (none is a dependency).

Chromium writes PDFs with Skia: each page's content is one Flate-compressed stream, and its
fonts carry a ToUnicode map from glyph codes (hex strings, two bytes each) to text. Each
text object (BT ... ET) becomes one line. Returns None for a PDF it cannot read, so a test
can skip rather than fail on another browser's output.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
TEXT = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\bET\b")


def _stream(body: bytes) -> bytes:
    found = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
    if found is None:
        return b""
    raw = found.group(1)
    return zlib.decompressobj().decompress(raw) if b"FlateDecode" in body[: found.start()] else raw


def _unicode(cmap: bytes) -> dict[int, str]:
    codes: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, first in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for i, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                codes[code] = chr(int(first, 16) + i)
    return codes


def pages(pdf: Path) -> list[list[str]] | None:
    """Each page's lines of text, in the order drawn; None if the PDF is not one we read."""
    data = pdf.read_bytes()
    objects = {int(m.group(1)): m.group(2) for m in OBJECT.finditer(data)}
    root = re.search(rb"/Root\s+(\d+) 0 R", data)
    if root is None:
        return None

    def ref(body: bytes, key: bytes) -> int | None:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
        return int(found.group(1)) if found else None

    def leaves(num: int) -> list[int]:
        body = objects[num]
        if not re.search(rb"/Type\s*/Pages", body):
            return [num]
        kids = re.search(rb"/Kids\s*\[(.*?)\]", body, re.S)
        assert kids is not None
        return [leaf for k in re.findall(rb"(\d+) 0 R", kids.group(1)) for leaf in leaves(int(k))]

    top = ref(objects.get(int(root.group(1)), b""), b"Pages")
    if top is None:
        return None
    result = []
    for page in leaves(top):
        body = objects[page]
        resources = ref(body, b"Resources")
        res = objects[resources] if resources is not None else body
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", res, re.S)
        fonts: dict[bytes, dict[int, str]] = {}
        for name, num in re.findall(
            rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1) if font_dict else b""
        ):
            cmap = ref(objects[int(num)], b"ToUnicode")
            fonts[name] = _unicode(_stream(objects[cmap])) if cmap is not None else {}
        contents = re.search(rb"/Contents\s+(?:(\d+) 0 R|\[(.*?)\])", body, re.S)
        if contents is None:
            result.append([])
            continue
        nums = (
            [int(contents.group(1))]
            if contents.group(1)
            else [int(x) for x in re.findall(rb"(\d+) 0 R", contents.group(2))]
        )
        content = b"".join(_stream(objects[n]) for n in nums)
        font: dict[int, str] = {}
        lines, line = [], ""
        for token in TEXT.finditer(content):
            if token.group(1):
                font = fonts.get(token.group(1), {})
            elif token.group(2) is not None:
                glyphs = token.group(2).decode()
                line += "".join(
                    font.get(int(glyphs[i : i + 4], 16), "?") for i in range(0, len(glyphs), 4)
                )
            else:
                if line.strip():
                    lines.append(line)
                line = ""
        result.append(lines)
    if not any(result):
        return None
    return result
