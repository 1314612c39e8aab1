#!/usr/bin/python3
"""Writes test/reference/imread/: small PNGs and TIFFs of the bit depths and colour types whose
conversion to 8 bits is easy to get wrong, JPEGs of the chroma samplings, progressive and restart
coding, greyscale and the EXIF orientations, and what cv2.imread(path, cv2.IMREAD_COLOR) makes of
each, the 8-bit BGR array the reference notebook's model would see. Run with Debian's interpreter
(python3-opencv 4.6, python3-numpy, python3-pil):

    /usr/bin/python3 scripts/make_image_references.py

OpenCV writes the 16-bit gray, BGR and BGRA files itself (its TIFFs are LZW with a predictor);
the others (gray + alpha, a tRNS colour, 1/2/4-bit gray, a palette; TIFFs with unassociated
alpha or white as zero) are written here by hand, as cv2.imwrite cannot make them. Pixel values
come from a seeded generator, so a rerun writes the same bytes.
test/reference/README.md describes the files.
"""

import json
import os
import struct
import zlib

import cv2
import numpy as np
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "test", "reference", "imread")
WIDTH, HEIGHT = 13, 7  # odd sizes: no row happens to align with a filter's or a byte's boundary


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, rows, depth, color_type, extra=(), interlaced_from=None):
    """rows: packed scanlines (bytes) without the filter byte; filter 0 on every row.
    interlaced_from: instead, a 16-bit HxWxC array written as Adam7's seven passes."""
    ihdr = struct.pack(">IIBBBBB", WIDTH, HEIGHT, depth, color_type, 0, 0, 0 if interlaced_from is None else 1)
    if interlaced_from is not None:
        passes = [interlaced_from[y0::dy, x0::dx] for x0, y0, dx, dy in ADAM7]
        rows = [row.astype(">u2").tobytes() for p in passes if p.size for row in p]
    raw = b"".join(b"\0" + row for row in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write_tiff(path, pixels, photometric, extra_samples=None):
    """An uncompressed little-endian TIFF, one strip; pixels: uint8 or uint16, HxW or HxWxC."""
    samples = 1 if pixels.ndim == 2 else pixels.shape[2]
    bits = pixels.dtype.itemsize * 8
    data = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    tags = {256: WIDTH, 257: HEIGHT, 258: [bits] * samples, 259: 1, 262: photometric, 273: 0, 277: samples, 278: HEIGHT, 279: len(data)}
    if extra_samples is not None:
        tags[338] = extra_samples
    directory_end = 8 + 2 + 12 * len(tags) + 4
    bits_offset = directory_end
    data_offset = bits_offset + 2 * samples
    tags[273] = data_offset
    entries = b""
    for tag in sorted(tags):
        value = tags[tag]
        if isinstance(value, list) and len(value) > 2:
            entries += struct.pack("<HHII", tag, 3, len(value), bits_offset)
        elif isinstance(value, list):
            entries += struct.pack("<HHI", tag, 3, len(value)) + struct.pack("<2H", *(value + [0])[:2])
        elif tag in (273, 279):
            entries += struct.pack("<HHII", tag, 4, 1, value)
        else:
            entries += struct.pack("<HHIHH", tag, 3, 1, value, 0)
    with open(path, "wb") as f:
        f.write(b"II*\0" + struct.pack("<IH", 8, len(tags)) + entries + b"\0\0\0\0" + struct.pack(f"<{samples}H", *[bits] * samples) + data)


def pack_bits(values, depth):
    out = bytearray()
    per_byte = 8 // depth
    for start in range(0, len(values), per_byte):
        byte = 0
        for i, v in enumerate(values[start:start + per_byte]):
            byte |= int(v) << (8 - depth * (i + 1))
        out.append(byte)
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(12)
    u16 = lambda *shape: rng.integers(0, 65536, size=(HEIGHT, WIDTH) + shape, dtype=np.uint16).squeeze()
    cases = []

    def add(name, what, ext=".png", turned=False, **more):
        path = os.path.join(OUT, name + ext)
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        assert img is not None and img.dtype == np.uint8 and img.shape == ((WIDTH, HEIGHT, 3) if turned else (HEIGHT, WIDTH, 3)), name
        np.save(os.path.join(OUT, name + ".npy"), img)
        cases.append({"file": name + ext, "npy": name + ".npy", "what": what, **more})

    # OpenCV's own 16-bit files: imwrite takes BGR(A) channel order.
    cv2.imwrite(os.path.join(OUT, "gray16.png"), u16())
    add("gray16", "16-bit gray")
    cv2.imwrite(os.path.join(OUT, "bgr16.png"), u16(3))
    add("bgr16", "16-bit RGB")
    bgra = u16(4)
    bgra[0, :4, 3] = [0, 1, 65534, 65535]  # alpha extremes: the colour must survive a zero alpha
    cv2.imwrite(os.path.join(OUT, "bgra16.png"), bgra)
    add("bgra16", "16-bit RGBA")

    be16 = lambda a: a.astype(">u2").tobytes()
    graya = u16(2)
    write_png(os.path.join(OUT, "graya16.png"), [be16(r) for r in graya], 16, 4)
    add("graya16", "16-bit gray + alpha")

    gray = u16()
    gray[1, 2] = gray[3, 4] = gray[0, 0]
    write_png(os.path.join(OUT, "gray16-trns.png"), [be16(r) for r in gray], 16, 0, [chunk(b"tRNS", struct.pack(">H", int(gray[0, 0])))])
    add("gray16-trns", "16-bit gray whose tRNS colour marks 3 pixels transparent")

    rgb = u16(3)
    rgb[2, 5] = rgb[6, 12] = rgb[0, 0]
    write_png(os.path.join(OUT, "rgb16-trns.png"), [be16(r) for r in rgb], 16, 2, [chunk(b"tRNS", be16(rgb[0, 0]))])
    add("rgb16-trns", "16-bit RGB whose tRNS colour marks 3 pixels transparent")

    write_png(os.path.join(OUT, "rgb16-interlaced.png"), None, 16, 2, interlaced_from=u16(3))
    add("rgb16-interlaced", "16-bit RGB, Adam7 interlaced")

    rgb8 = rng.integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
    rgb8[4, 4] = rgb8[0, 0]
    write_png(os.path.join(OUT, "rgb8-trns.png"), [r.tobytes() for r in rgb8], 8, 2, [chunk(b"tRNS", rgb8[0, 0].astype(">u2").tobytes())])
    add("rgb8-trns", "8-bit RGB whose tRNS colour marks 2 pixels transparent")

    for depth in (1, 2, 4):
        low = rng.integers(0, 1 << depth, size=(HEIGHT, WIDTH))
        write_png(os.path.join(OUT, f"gray{depth}.png"), [pack_bits(r, depth) for r in low], depth, 0)
        add(f"gray{depth}", f"{depth}-bit gray")

    palette = rng.integers(0, 256, size=(16, 3), dtype=np.uint8)
    indices = rng.integers(0, 16, size=(HEIGHT, WIDTH))
    alpha = bytes(range(0, 256, 16))
    write_png(os.path.join(OUT, "palette4.png"), [pack_bits(r, 4) for r in indices], 4, 3, [chunk(b"PLTE", palette.tobytes()), chunk(b"tRNS", alpha)])
    add("palette4", "4-bit palette with a tRNS alpha per entry")

    # TIFFs go through libtiff's RGBA reader: colour rounds 16-bit samples, grey keeps the high byte.
    cv2.imwrite(os.path.join(OUT, "gray16-tiff.tif"), u16())
    add("gray16-tiff", "16-bit gray TIFF, LZW", ".tif")
    cv2.imwrite(os.path.join(OUT, "bgr16-tiff.tif"), u16(3))
    add("bgr16-tiff", "16-bit RGB TIFF, LZW", ".tif")
    cv2.imwrite(os.path.join(OUT, "bgra16-tiff.tif"), u16(4))
    add("bgra16-tiff", "16-bit RGBA TIFF, LZW, alpha of unspecified kind", ".tif")
    write_tiff(os.path.join(OUT, "rgba16-unassoc.tif"), u16(4), 2, extra_samples=2)
    add("rgba16-unassoc", "16-bit RGBA TIFF with unassociated alpha: libtiff premultiplies the colour", ".tif")
    write_tiff(os.path.join(OUT, "rgba8-unassoc.tif"), rng.integers(0, 256, size=(HEIGHT, WIDTH, 4), dtype=np.uint8), 2, extra_samples=2)
    add("rgba8-unassoc", "8-bit RGBA TIFF with unassociated alpha", ".tif")
    write_tiff(os.path.join(OUT, "white16.tif"), u16(), 0)
    add("white16", "16-bit TIFF with white as zero", ".tif")

    # JPEGs go through libjpeg-turbo: its IDCT and chroma upsampling are what the pixels depend on.
    # Smooth content with some noise: what photos are, and what subsampled chroma is tested by.
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    smooth = np.stack([xx * 19, yy * 36, (xx + yy) * 12], axis=-1)
    photo = np.clip(smooth + rng.integers(-40, 41, size=(HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)
    jpeg = lambda name, params: cv2.imwrite(os.path.join(OUT, name + ".jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 90] + params)
    jpeg("jpeg420", [])
    add("jpeg420", "baseline JPEG, 4:2:0 chroma", ".jpg")
    # OpenCV 4.6 cannot choose the chroma sampling; PIL (libjpeg-turbo too) can.
    rgb_photo = Image.fromarray(photo[..., ::-1].copy())
    rgb_photo.save(os.path.join(OUT, "jpeg444.jpg"), quality=90, subsampling=0)
    add("jpeg444", "baseline JPEG, 4:4:4 chroma", ".jpg")
    rgb_photo.save(os.path.join(OUT, "jpeg422-progressive.jpg"), quality=90, subsampling=1, progressive=True)
    add("jpeg422-progressive", "progressive JPEG, 4:2:2 chroma", ".jpg")
    jpeg("jpeg-restart", [cv2.IMWRITE_JPEG_RST_INTERVAL, 1])
    add("jpeg-restart", "JPEG with a restart marker after every MCU", ".jpg")
    cv2.imwrite(os.path.join(OUT, "jpeg-gray.jpg"), cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY))
    add("jpeg-gray", "greyscale JPEG", ".jpg")
    # libjpeg gives no RGB of CMYK: OpenCV converts it itself, and we through jimp (jpeg-js).
    rgb_photo.convert("CMYK").save(os.path.join(OUT, "jpeg-cmyk.jpg"), quality=90)
    add("jpeg-cmyk", "Adobe CMYK JPEG, converted to RGB after decoding", ".jpg", tolerance=2)
    with open(os.path.join(OUT, "jpeg420.jpg"), "rb") as f:
        plain = f.read()
    for orientation in range(2, 9):
        # An APP1 Exif segment right after SOI, holding one IFD0 entry: Orientation (0x0112).
        tiff = b"MM\0*" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\0\0\0\0"
        app1 = b"Exif\0\0" + tiff
        name = f"jpeg-exif{orientation}"
        with open(os.path.join(OUT, name + ".jpg"), "wb") as f:
            f.write(plain[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + plain[2:])
        add(name, f"JPEG with EXIF orientation {orientation}, which cv2.imread applies", ".jpg", turned=orientation > 4)

    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"opencv": cv2.__version__, "read": "cv2.imread(file, cv2.IMREAD_COLOR)", "layout": "HWC, BGR, uint8", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, REPO)}")


if __name__ == "__main__":
    main()
