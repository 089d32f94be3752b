"""Draw the app icons (static/icons/*.png) from the same shapes as static/icons/icon.svg.

Pure Python (zlib + struct), so no imaging library is needed to rebuild them:
    .venv/bin/python bench/make_icons.py
Each pixel is 4×4 supersampled for smooth edges. The maskable icon fills the whole square
with the background and keeps the eye inside the central 80 % "safe zone" that launchers
crop to circles or squircles; the regular icons have rounded corners on transparency.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (0x0B, 0x5C, 0xAD)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
SAMPLES = 4


def _coverage(x: float, y: float, size: int, maskable: bool) -> tuple[float, float]:
    """(background, white) coverage of one sample point in a 512-unit design space."""
    u, v = x * 512 / size, y * 512 / size
    scale = 0.72 if maskable else 1.0  # eye shrunk into the maskable safe zone
    inside_bg = True
    if not maskable:  # rounded square, corner radius 96
        r = 96
        cx, cy = min(max(u, r), 512 - r), min(max(v, r), 512 - r)
        inside_bg = (u - cx) ** 2 + (v - cy) ** 2 <= r * r
    d = ((u - 256) ** 2 + (v - 256) ** 2) ** 0.5 / scale
    ring = 128 <= d <= 172  # circle r=150, stroke 44
    pupil = d <= 58
    return (1.0 if inside_bg else 0.0), (1.0 if inside_bg and (ring or pupil) else 0.0)


def render(size: int, maskable: bool = False) -> bytes:
    rows = []
    step = 1 / SAMPLES
    for y in range(size):
        row = bytearray([0])  # filter type 0
        for x in range(size):
            bg = white = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    b, w = _coverage(x + (sx + .5) * step, y + (sy + .5) * step, size, maskable)
                    bg += b
                    white += w
            n = SAMPLES * SAMPLES
            alpha, white = bg / n, (white / bg if bg else 0.0)
            rgb = [round(BLUE[i] + (WHITE[i] - BLUE[i]) * white) for i in range(3)]
            row += bytes(rgb + [round(alpha * 255)])
        rows.append(bytes(row))
    return _png(size, b"".join(rows))


def _png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False),
         "icon-maskable-512.png": (512, True), "apple-touch-icon.png": (180, True)}

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable) in ICONS.items():
        (OUT / name).write_bytes(render(size, maskable))
        print(OUT / name)
