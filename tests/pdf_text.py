"""Test helper: the text of a PDF printed by Chromium, with nothing but the standard library."""

from __future__ import annotations

import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text of a Chromium (Skia) PDF: decode every Tj/TJ string of each page's content
    stream through its font's ToUnicode map. Enough to find numbers, not a general parser."""
    objects = {int(n): body for n, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(num: int) -> bytes:
        body = objects[num]
        raw = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S).group(1)
        # decompressobj tolerates the odd stream whose length the regex cut short
        return zlib.decompressobj().decompress(raw) if b"/FlateDecode" in body else raw

    def cmap(num: int) -> dict[bytes, str]:
        text, mapping = stream(num), {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[src.upper()] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                start, width = int(dst, 16), len(lo)
                for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    mapping[f"{code:0{width}X}".encode()] = chr(start + offset)
        return mapping

    out = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        fonts = {}
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        for name, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1) if font_dict else b""):
            unicode_ref = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects[int(num)])
            fonts[name] = cmap(int(unicode_ref.group(1))) if unicode_ref else {}
        contents = re.search(rb"/Contents\s+(\d+) 0 R", body)
        current: dict[bytes, str] = {}
        ops = rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ|\bET\b"
        for font, hex_string, array in re.findall(ops, stream(int(contents.group(1))), re.S):
            if font:
                current = fonts.get(font, {})
                continue
            strings = [hex_string] if hex_string else re.findall(rb"<([0-9A-Fa-f]*)>", array)
            if not hex_string and not array:
                out.append("\n")
            for s in strings:
                out.extend(current.get(s[i:i + 4].upper(), "?") for i in range(0, len(s), 4))
    return "".join(out)
