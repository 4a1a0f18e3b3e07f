#!/usr/bin/python3
"""A benchmark job: Google's MedGemma 1.5 CT preparation done the
notebook's way (Google-Health/medgemma,
notebooks/high_dimensional_ct_hugging_face.ipynb) with Debian's pydicom,
numpy and Pillow, written as a Python user would write it for speed. It is
the reference that the workbench's `prepare DIR --recipe medgemma-1.5-ct`
is compared against.

Stages, in the order they run:
 1. header-only reads, pydicom.dcmread(f, stop_before_pixels=True), of
    every regular file of DIR (any name, no suffix needed; subdirectories
    are skipped; a file pydicom cannot read stops the job);
 2. the notebook's sort, sorted(..., key=int(InstanceNumber)) (stable), and
    its sampling: when there are more than MAX (default 85) instances,
    index int(round(i / MAX * (n - 1))) for i = 1..MAX;
 3. full reads of the chosen files only; pixel_array through pydicom's
    modality LUT (RescaleSlope/RescaleIntercept -> float64 HU);
 4. the notebook's three windows, (-1024, 1024), (-135, 215), (0, 80):
    clip, float32, (v - lo) / (hi - lo) * 255, np.round, uint8, stacked as
    R, G, B;
 5. Pillow JPEG at its defaults (Image.fromarray(x).save(buf,
    format="jpeg")), as the notebook's _encode does for the data URL;
 6. what the processor does with that data URL: Pillow decode,
    convert("RGB"), resize to 896x896 with BILINEAR (a stretch, as
    transformers' Gemma3 image processor's Pillow resize);
 7. each 896x896 RGB image written losslessly as OUT/NNNN.png (PNG,
    compress_level=1), NNNN counting the chosen slices from 0000.

usage: notebook.py DIR OUT [MAX]
Prints one line: how many files were read, how many slices were written.
"""
import io
import os
import sys

import numpy as np
import pydicom
from PIL import Image

try:  # pydicom >= 3
    from pydicom.pixels import apply_rescale as modality_lut
except ImportError:  # pydicom 2
    from pydicom.pixel_data_handlers.util import apply_modality_lut as modality_lut

try:
    BILINEAR = Image.Resampling.BILINEAR
except AttributeError:
    BILINEAR = Image.BILINEAR

WINDOWS = [(-1024, 1024), (-135, 215), (0, 80)]


def norm(ct_vol, lo, hi):
    ct_vol = np.clip(ct_vol, lo, hi)
    ct_vol = ct_vol.astype(np.float32)
    ct_vol -= lo
    ct_vol /= (hi - lo)
    ct_vol *= 255.0
    return ct_vol


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__[__doc__.index("usage:"):].split("\n")[0])
    src, out = argv[1], argv[2]
    max_slice = int(argv[3]) if len(argv) == 4 else 85
    if max_slice < 1:
        sys.exit("MAX must be at least 1")

    with os.scandir(src) as it:
        files = sorted(e.path for e in it if e.is_file())
    heads = [(int(pydicom.dcmread(f, stop_before_pixels=True).InstanceNumber), f) for f in files]
    heads.sort(key=lambda h: h[0])
    n = len(heads)
    if n > max_slice:
        heads = [heads[int(round(i / max_slice * (n - 1)))] for i in range(1, max_slice + 1)]

    os.makedirs(out, exist_ok=True)
    for k, (_, f) in enumerate(heads):
        ds = pydicom.dcmread(f)
        hu = modality_lut(ds.pixel_array, ds)
        rgb = np.round(np.stack([norm(hu, lo, hi) for lo, hi in WINDOWS], axis=-1), 0).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="jpeg")
        buf.seek(0)
        with Image.open(buf) as im:
            model = im.convert("RGB").resize((896, 896), resample=BILINEAR, reducing_gap=None)
        model.save(os.path.join(out, "%04d.png" % k), format="png", compress_level=1)
    print(f"{n} files read, {len(heads)} slices written to {out}")


if __name__ == "__main__":
    main(sys.argv)
