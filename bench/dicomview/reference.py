#!/usr/bin/python3
"""The Python reference for bench/dicomview/run.sh: the same job as
dicomview's Load + Prepare, done the usual way with Debian's pydicom, numpy
and Pillow. decode -> modality LUT (rescale) -> VOI (the file's first
window, DICOM linear function) -> MONOCHROME1 inversion -> pad to square ->
resize to 896 (Pillow BICUBIC, the Catmull-Rom cubic) -> PNG.

usage: reference.py FILE N   prints the median seconds of N runs."""
import io
import statistics
import sys
import time

import numpy as np
import pydicom
from PIL import Image


def prepare(path):
    ds = pydicom.dcmread(path)
    px = ds.pixel_array.astype(np.float64)
    px = px * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
    c = ds.WindowCenter
    w = ds.WindowWidth
    c = float(c[0] if isinstance(c, pydicom.multival.MultiValue) else c)
    w = float(w[0] if isinstance(w, pydicom.multival.MultiValue) else w)
    lo, hi = c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2
    y = np.where(px <= lo, 0.0, np.where(px > hi, 255.0, ((px - (c - 0.5)) / (w - 1) + 0.5) * 255))
    y = np.rint(y).astype(np.uint8)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        y = 255 - y
    h, wd = y.shape
    side = max(h, wd)
    img = Image.fromarray(y, "L")
    dw, dh = (896, max(1, round(h * 896 / wd))) if wd >= h else (max(1, round(wd * 896 / h)), 896)
    img = img.resize((dw, dh), Image.BICUBIC)
    out = Image.new("RGB", (896, 896))
    out.paste(img.convert("RGB"), ((896 - dw) // 2, (896 - dh) // 2))
    buf = io.BytesIO()
    out.save(buf, "PNG")
    return buf.getvalue(), side


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    prepare(path)  # warm the page cache and imports
    times = []
    for _ in range(n):
        t = time.perf_counter()
        prepare(path)
        times.append(time.perf_counter() - t)
    print(f"{statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
