"""Test helper: the text of a PDF printed by Chromium, with nothing but the standard library."""

from __future__ import annotations

import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text of a Chromium (Skia) PDF: decode every Tj/TJ string of each page's content
    stream through its font's ToUnicode map. Enough to find numbers, not a general parser."""
    return "".join("".join(text for text, _, _ in page if text != IMAGE) for page in pdf_pages(data))


IMAGE = "<image>"
"""The run pdf_pages puts where a page draws an image (a chart)."""


def pdf_pages(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Each page of a Chromium PDF as the runs it paints, in paint order: (the text of each text
    object (BT … ET, ending in a newline), its size in points, its height on the page) and
    (IMAGE, 0, the height of its top edge) where an image is drawn. The size is the Tf size times
    the scale of the transformation (cm, Tm) in force; heights grow upwards, as in PDF."""
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

    pages = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        fonts, images = {}, set()
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        for name, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1) if font_dict else b""):
            unicode_ref = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects[int(num)])
            fonts[name] = cmap(int(unicode_ref.group(1))) if unicode_ref else {}
        xobjects = re.search(rb"/XObject\s*<<(.*?)>>", body, re.S)
        for name, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", xobjects.group(1) if xobjects else b""):
            if re.search(rb"/Subtype\s*/Image", objects.get(int(num), b"")):
                images.add(name)
        contents = re.search(rb"/Contents\s+(\d+) 0 R", body)
        current: dict[bytes, str] = {}
        runs, run, size, top = [], [], 0.0, 0.0
        ctm, text_matrix, stack = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), []
        ops = (rb"/(\w+)\s+([\d.]+)\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ|\b(ET)\b|/(\w+)\s+Do\b"
               rb"|((?:[-\d.]+\s+){6})(cm|Tm)\b|(?<![\w/])([qQ])\b")
        for found in re.finditer(ops, stream(int(contents.group(1))), re.S):
            font, points, hex_string, array, end, drawn, matrix, kind, saved = found.groups()
            if saved:
                if saved == b"q":
                    stack.append(ctm)
                else:
                    ctm = stack.pop() if stack else ctm
            elif matrix:
                numbers = tuple(float(v) for v in matrix.split())
                if kind == b"cm":
                    ctm = _times(numbers, ctm)
                else:
                    text_matrix = _times(numbers, ctm)
                    top = text_matrix[5]
            elif font:
                current, size = fonts.get(font, {}), float(points)
            elif drawn:
                if drawn in images:
                    runs.append((IMAGE, 0.0, ctm[5] + abs(ctm[3])))
            elif end:
                a, b, c, d = text_matrix[:4]
                runs.append(("".join(run) + "\n", round(size * abs(a * d - b * c) ** 0.5, 2), top))
                run = []
            else:
                strings = [hex_string] if hex_string else re.findall(rb"<([0-9A-Fa-f]*)>", array)
                for s in strings:
                    run.extend(current.get(s[i:i + 4].upper(), "?") for i in range(0, len(s), 4))
        pages.append(runs)
    return pages



def _times(m: tuple, n: tuple) -> tuple:
    """The PDF matrix product m × n of two (a b c d e f) matrices."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def pdf_font_sizes(data: bytes) -> list[float]:
    """The size in points of every text run of a Chromium PDF."""
    return [size for page in pdf_pages(data) for text, size, _ in page if text != IMAGE and text.strip()]
