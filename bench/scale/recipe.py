#!/usr/bin/python3
"""The Python reference for bench/scale/run.sh: `prepare DIR --slices N
--encoding ct3 --out-dir OUT` done the usual way with Debian's pydicom,
numpy and Pillow. Reads the headers of every .dcm file of DIR (one series;
dcmread stop_before_pixels), orders the slices along z, picks N
spread evenly (first and last included), maps each to the three CT
windows (R, G, B: centre/width 0/2048, 40/350, 40/80, each (v - lo) *
255 / width clipped and rounded), resizes to 896 (Pillow BICUBIC, pad to
square) and writes OUT/slice-K.png, reading the pixel data of
those N files only.

usage: recipe.py DIR N OUT"""
import glob
import os
import sys

import numpy as np
import pydicom
from PIL import Image

WINDOWS = [(0, 2048), (40, 350), (40, 80)]


def main():
    src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    heads = [(pydicom.dcmread(f, stop_before_pixels=True), f) for f in sorted(glob.glob(os.path.join(src, "*.dcm")))]
    heads.sort(key=lambda h: (float(h[0].ImagePositionPatient[2]), int(h[0].InstanceNumber)))
    sets = [f for _, f in heads]
    m = len(sets)
    idx = list(range(m)) if n >= m else [(i * (m - 1) + (n - 1) // 2) // (n - 1) for i in range(n)]
    os.makedirs(out, exist_ok=True)
    for i in idx:
        d = pydicom.dcmread(sets[i])
        hu = d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept)
        rgb = np.stack([np.clip(np.rint((hu - (c - w / 2)) * (255 / w)), 0, 255) for c, w in WINDOWS], axis=-1)
        img = Image.fromarray(rgb.astype(np.uint8), "RGB")
        h, wd = rgb.shape[:2]
        dw, dh = (896, max(1, round(h * 896 / wd))) if wd >= h else (max(1, round(wd * 896 / h)), 896)
        img = img.resize((dw, dh), Image.BICUBIC)
        canvas = Image.new("RGB", (896, 896))
        canvas.paste(img, ((896 - dw) // 2, (896 - dh) // 2))
        canvas.save(os.path.join(out, "slice-%d.png" % (i + 1)))


if __name__ == "__main__":
    main()
