#!/usr/bin/python3
"""An independent re-implementation, with Debian's pydicom and numpy, of
the MedGemma 1.5 preprocessing the recipes follow, written from what
Google's CT notebook (high_dimensional_ct_hugging_face.ipynb) and serving
code (generic_dicom_handler.py) do, for the golden test in recipe_test.go.

usage: reference.py ct|mr SRC_DIR OUT_DIR MAX [WINDOWS_JSON]

Reads the .dcm files of SRC_DIR (one series), orders them by
InstanceNumber, chooses at most MAX slices as the notebook does, and
writes each chosen slice's 8-bit pixels before any resize to
OUT_DIR/NNNN.raw (ct: rows x cols x 3, R G B; mr: rows x cols). Prints
{"indices": [...], "rows": R, "cols": C} on stdout.
"""
import glob
import json
import os
import sys

import numpy as np
import pydicom

try:  # pydicom 3
    from pydicom.pixels import apply_rescale as modality_values
except ImportError:  # pydicom 2 (Debian bookworm)
    from pydicom.pixel_data_handlers.util import apply_modality_lut as modality_values


def chosen(n, k):
    if n <= k:
        return list(range(n))
    return [int(round(i / k * (n - 1))) for i in range(1, k + 1)]


def to_byte(v, lo, hi):
    v = np.clip(v, lo, hi).astype(np.float32)
    v -= lo
    v /= hi - lo
    v *= 255.0
    return v


def main():
    kind, src, out, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sets = [pydicom.dcmread(f) for f in glob.glob(os.path.join(src, "*.dcm"))]
    sets.sort(key=lambda d: int(d.InstanceNumber))
    idx = chosen(len(sets), k)
    os.makedirs(out, exist_ok=True)
    if kind == "ct":
        windows = json.loads(sys.argv[5])
        for j, i in enumerate(idx):
            hu = modality_values(sets[i].pixel_array, sets[i])
            rgb = np.stack([to_byte(hu, w["lo"], w["hi"]) for w in windows], axis=-1)
            np.round(rgb, 0).astype(np.uint8).tofile(os.path.join(out, "%04d.raw" % j))
    elif kind == "mr":
        # The whole acquisition's minimum and maximum, then each slice.
        vols = [d.pixel_array for d in sets]
        lo = min(np.min(v) for v in vols)
        hi = max(np.max(v) for v in vols)
        for j, i in enumerate(idx):
            img = vols[i].astype(np.float64)
            if hi == lo:
                img[...] = 255
            else:
                img = np.round((img - lo) / (hi - lo) * 255, 0)
            img.astype(np.uint8).tofile(os.path.join(out, "%04d.raw" % j))
    else:
        sys.exit("kind must be ct or mr")
    json.dump({"indices": idx, "rows": int(sets[0].Rows), "cols": int(sets[0].Columns)}, sys.stdout)


main()
