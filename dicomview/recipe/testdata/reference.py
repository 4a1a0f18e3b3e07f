#!/usr/bin/python3
"""An independent reference, in Python with Debian's pydicom, numpy and
Pillow, of the MedGemma 1.5 input preparation that the workbench's recipes
follow. It was written from Google's code (the MedGemma notebooks and the
serving code in Google-Health/medgemma) and from the behaviour of Hugging
Face transformers and Pillow, NOT from the workbench's Go code, so that the
golden tests compare two implementations that share nothing but the sources.

usage:
  reference.py ct     SRC_DIR OUT_DIR [MAX] [WINDOWS_JSON]
  reference.py mr     SRC_DIR OUT_DIR [MAX]
  reference.py cxr    IMAGE   OUT_DIR
  reference.py cxr-pad IMAGE  OUT_DIR

MAX defaults to 85. WINDOWS_JSON is a JSON list of three {"lo": .., "hi": ..}
(or the path of a file holding one); the default is the notebook's three.

Where every step comes from
---------------------------
Series reading (ct, mr). Every entry of SRC_DIR is read with
pydicom.dcmread, whatever its name (DICOM files often carry no suffix); an
entry that is not a regular file, that pydicom cannot read, or that has no
integer InstanceNumber stops the run with an error: nothing is skipped.
Entries are listed in sorted(os.listdir()) order (code-point order of the
names); that is the order ties keep in the next step.

Sort and sampling: Google-Health/medgemma,
notebooks/high_dimensional_ct_hugging_face.ipynb, the cell that loads the
DICOM instances:
    dicom_instances = sorted(dicom_instances, key=lambda i: int(i.InstanceNumber))
    MAX_SLICE = 85
    if len(dicom_instances) > MAX_SLICE:
      dicom_instances = [dicom_instances[int(round(i / (MAX_SLICE) * (len(dicom_instances) - 1)))]
                         for i in range(1, MAX_SLICE + 1)]
Python's sorted is stable and its round() rounds half to even; both are
used as they are. The headers are read with stop_before_pixels=True for the
sort; the chosen files are then read whole.

CT (ct mode), the same notebook's windowing cell: each chosen slice goes
through pydicom's modality LUT (pydicom 3: pydicom.pixels.apply_rescale;
pydicom 2: pydicom.pixel_data_handlers.util.apply_modality_lut; with
RescaleSlope/RescaleIntercept this is float64 arr * slope + intercept), then
    def norm(ct_vol, min, max):
      ct_vol = np.clip(ct_vol, min, max)
      ct_vol = ct_vol.astype(np.float32)
      ct_vol -= min
      ct_vol /= (max - min)
      ct_vol *= 255.0
      return ct_vol
    window_clips = [(-1024, 1024), (-135, 215), (0, 80)]
    np.stack([norm(ct_vol, lo, hi) for lo, hi in window_clips], axis=-1)
    windowed_slice = np.round(window(ct_slice, dcm), 0).astype(np.uint8)
(np.round rounds half to even, in float32). The notebook's _encode then
JPEG-encodes each windowed slice with Pillow at its defaults,
    PIL.Image.fromarray(data).save(img_bytes, format="jpeg")
and sends it as a data:image/jpeg;base64 URL. (Pillow 9.4 + libjpeg-turbo
defaults: quality 75, 4:2:0 chroma subsampling, baseline, standard Huffman
tables, JFIF 1.01 with a 1:1 unitless density, no restart markers.)

Model input (ct, cxr, cxr-pad): the notebook builds its processor with
transformers.AutoProcessor.from_pretrained("google/medgemma-1.5-4b-it",
use_fast=True). transformers.image_utils.load_image opens a data-URL image
with PIL.Image.open, applies PIL.ImageOps.exif_transpose (a no-op for
Pillow's own JPEGs, which carry no EXIF) and .convert("RGB"). The Gemma3
image processor (transformers/models/gemma3/image_processing_gemma3.py,
Gemma3ImageProcessor.preprocess) then does convert_to_rgb (a plain
image.convert("RGB") for a non-RGB PIL image,
transformers/image_transforms.py), to_numpy_array, no pan-and-scan (off
unless asked for), and resize(image, size=(896, 896),
resample=PILImageResampling.BILINEAR), which in
transformers/image_transforms.py converts the uint8 array back to a PIL
image and calls image.resize((896, 896), resample=BILINEAR,
reducing_gap=None): a stretch to 896x896, no aspect-ratio preservation. The
rescale to [0, 1] and the 0.5/0.5 normalisation that follow are not part of
what this script writes. This script uses that slow-processor (Pillow)
resize as the reference. Note: with use_fast=True the notebook actually
takes the torchvision path (Gemma3ImageProcessorFast: bilinear resize of a
uint8 tensor with antialias), which can differ from Pillow by a level or two
on some pixels; the reference deliberately sticks to Pillow.

MR (mr mode): Google-Health/medgemma,
python/data_accessors/local_file_handlers/generic_dicom_handler.py. MR
takes NopImageTransform (no modality LUT, no windowing: the stored
pixel_array) and _process_buffered_mri_volume normalises the volume it is
given, i.e. the instances handed to the server -- here the chosen slices --
with that volume's min and max:
    min_val = min(np.min(img) for img in images)
    max_val = max(np.max(img) for img in images)
    max_delta = max_val - min_val
    image = image.astype(np.float64)
    if max_delta == 0: image[...] = 255
    else: image -= min_val; image /= max_delta; image *= 255; np.round(image, 0, out=image)
    image.astype(np.uint8)
This is copied step by step, numpy scalar types included (so for a signed
16-bit volume whose range exceeds 32767 Google's max_val - min_val wraps;
the script reproduces that and says so on stderr).

CXR (cxr mode): the model card's quick start (google/medgemma-1.5-4b-it),
    image = Image.open(...)
handed to the pipeline/processor as a PIL image; the processor's
convert_to_rgb and Pillow BILINEAR resize to 896x896 as above.

CXR with padding (cxr-pad mode): Google's CXR notebooks for MedGemma 1.5
(cxr_anatomy_localization_with_hugging_face.ipynb and
cxr_longitudinal_comparison_with_hugging_face.ipynb) pad the image to a
square before the processor. The notebook itself is not in the archive
this was written from; its pad_image_to_square is known here from several
public copies that agree word for word:
    def pad_image_to_square(image_array):
      image_array = skimage.util.img_as_ubyte(image_array)
      if len(image_array.shape) < 3:
        image_array = skimage.color.gray2rgb(image_array)
      if image_array.shape[2] == 4:
        image_array = skimage.color.rgba2rgb(image_array)
      h = image_array.shape[0]; w = image_array.shape[1]
      if h < w:
        dh = w - h
        image_array = np.pad(image_array, ((dh // 2, dh - dh // 2), (0, 0), (0, 0)))
      if w < h:
        dw = h - w
        image_array = np.pad(image_array, ((0, 0), (dw // 2, dw - dw // 2), (0, 0)))
      return image_array
i.e. made 3-channel first, then centred, the smaller half (d // 2) on
top/left and the odd pixel on the bottom/right, filled with 0 (black).
This script does exactly that geometry on image.convert("RGB") (identical
to img_as_ubyte + gray2rgb for 8-bit grey "L" and "RGB" images, which are
the only modes it accepts here: for RGBA, LA, P, 16-bit and float images
skimage's conversion and Pillow's differ, and it stops rather than guess),
then the processor's steps as in cxr. The copies call it as
    image_array = (pad_image_to_square(image) * 255).astype(np.uint8)
which, for a uint8 result (every 8-bit L or RGB input), wraps around in
uint8 (v * 255 mod 256, i.e. 256 - v, 0 stays 0: a negative image); only
rgba2rgb's float output makes that line right. This script does NOT
reproduce that wrap-around; it writes the padded image unchanged.

Output
------
ct:  OUT_DIR/%04d.win.raw  windowed uint8 slice before JPEG, rows*cols*3 (RGB, row-major)
     OUT_DIR/%04d.jpg      the exact JPEG bytes Pillow wrote
     OUT_DIR/%04d.raw      that JPEG decoded, RGB, resized to 896x896: 896*896*3 bytes
mr:  OUT_DIR/%04d.raw      normalised uint8 slice, rows*cols bytes, before any resize
cxr, cxr-pad: OUT_DIR/0000.raw, 896*896*3 bytes RGB
%04d counts the chosen slices from 0 in order. ct and mr print one JSON
object on stdout: {"files": [basename of each chosen file, in order],
"indices": [its index in the InstanceNumber-sorted list], "rows": R,
"cols": C}. cxr and cxr-pad print {"width": W, "height": H} of the image
as opened (before padding).
"""
import io
import json
import os
import sys

import numpy as np
import pydicom
from PIL import Image, ImageOps

try:  # pydicom >= 3
    from pydicom.pixels import apply_rescale as modality_lut
except ImportError:  # pydicom 2 (Debian 12: 2.3.1)
    from pydicom.pixel_data_handlers.util import apply_modality_lut as modality_lut

try:
    BILINEAR = Image.Resampling.BILINEAR
except AttributeError:  # Pillow < 9.1
    BILINEAR = Image.BILINEAR

MAX_SLICE = 85
NOTEBOOK_WINDOWS = [(-1024, 1024), (-135, 215), (0, 80)]
SIDE = 896


def die(msg):
    print("reference.py: " + msg, file=sys.stderr)
    sys.exit(1)


def series_paths(src):
    """Every entry of src, in sorted name order; anything that is not a
    regular file stops the run."""
    try:
        names = sorted(os.listdir(src))
    except OSError as e:
        die(f"{src}: {e}")
    if not names:
        die(f"{src}: empty")
    paths = []
    for n in names:
        p = os.path.join(src, n)
        if not os.path.isfile(p):
            die(f"{p}: not a regular file")
        paths.append(p)
    return paths


def sort_and_sample(paths, max_slice):
    """The notebook's sort by int(InstanceNumber) and its MAX_SLICE sampling.
    Returns [(index in the sorted list, path)] of the chosen instances."""
    heads = []
    for p in paths:
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=True)
        except Exception as e:  # noqa: BLE001 - any failure is fatal
            die(f"{p}: not readable as DICOM: {e}")
        try:
            n = int(ds.InstanceNumber)
        except Exception as e:  # noqa: BLE001
            die(f"{p}: no integer InstanceNumber ({e!r})")
        heads.append((n, p))
    ordered = sorted(heads, key=lambda h: h[0])  # stable, like the notebook's
    count = len(ordered)
    if count > max_slice:
        idx = [int(round(i / (max_slice) * (count - 1))) for i in range(1, max_slice + 1)]
    else:
        idx = list(range(count))
    return [(i, ordered[i][1]) for i in idx]


def read_pixels(p):
    try:
        ds = pydicom.dcmread(p)
        arr = ds.pixel_array
    except Exception as e:  # noqa: BLE001
        die(f"{p}: pixel data not readable: {e}")
    if arr.ndim != 2:
        die(f"{p}: pixel array has shape {arr.shape}; one grey frame expected")
    return ds, arr


def norm(ct_vol, min, max):  # noqa: A002 - the notebook's names
    ct_vol = np.clip(ct_vol, min, max)
    ct_vol = ct_vol.astype(np.float32)
    ct_vol -= min
    ct_vol /= (max - min)
    ct_vol *= 255.0
    return ct_vol


def window(ct_vol, window_clips):
    return np.stack([norm(ct_vol, clip[0], clip[1]) for clip in window_clips], axis=-1)


def encode_jpeg(data):
    """The notebook's _encode, without the base64 wrapping."""
    with io.BytesIO() as img_bytes:
        with Image.fromarray(data) as img:
            img.save(img_bytes, format="jpeg")
        return img_bytes.getvalue()


def model_input(img):
    """Gemma3ImageProcessor (slow): convert_to_rgb, then Pillow BILINEAR to
    896x896 with reducing_gap=None. Returns the uint8 RGB bytes."""
    if img.mode != "RGB":
        img = img.convert("RGB")
    out = img.resize((SIDE, SIDE), resample=BILINEAR, reducing_gap=None)
    a = np.asarray(out, dtype=np.uint8)
    assert a.shape == (SIDE, SIDE, 3)
    return a.tobytes()


def load_data_url_image(data):
    """transformers.image_utils.load_image on the data URL's bytes."""
    img = Image.open(io.BytesIO(data))
    img = ImageOps.exif_transpose(img)
    return img.convert("RGB")


def parse_max(s):
    try:
        m = int(s)
    except ValueError:
        die(f"MAX {s!r} is not an integer")
    if m < 1:
        die(f"MAX {m} must be at least 1")
    return m


def parse_windows(s):
    try:
        w = json.loads(s)
    except ValueError:
        try:
            with open(s) as f:
                w = json.load(f)
        except (OSError, ValueError) as e:
            die(f"WINDOWS_JSON is neither JSON nor a JSON file: {e}")
    if not isinstance(w, list) or len(w) != 3:
        die("WINDOWS_JSON must be a list of three {\"lo\":..,\"hi\":..}")
    out = []
    for x in w:
        try:
            lo, hi = x["lo"], x["hi"]
        except (TypeError, KeyError):
            die("WINDOWS_JSON entries need \"lo\" and \"hi\"")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lo, hi)) or hi <= lo:
            die(f"bad window {x!r}")
        out.append((lo, hi))
    return out


def same_geometry(shapes, chosen):
    if len(set(shapes)) != 1:
        die("chosen slices differ in size: " + ", ".join(
            f"{os.path.basename(p)} {s[0]}x{s[1]}" for (_, p), s in zip(chosen, shapes)))
    return shapes[0]


def report(chosen, rows, cols):
    print(json.dumps({
        "files": [os.path.basename(p) for _, p in chosen],
        "indices": [i for i, _ in chosen],
        "rows": int(rows),
        "cols": int(cols),
    }))


def run_ct(src, out, max_slice, windows):
    chosen = sort_and_sample(series_paths(src), max_slice)
    os.makedirs(out, exist_ok=True)
    shapes = []
    for k, (_, p) in enumerate(chosen):
        ds, arr = read_pixels(p)
        shapes.append(arr.shape)
        ct_slice = modality_lut(arr, ds)
        windowed = np.round(window(ct_slice, windows), 0).astype(np.uint8)
        jpeg = encode_jpeg(windowed)
        with open(os.path.join(out, "%04d.win.raw" % k), "wb") as f:
            f.write(np.ascontiguousarray(windowed).tobytes())
        with open(os.path.join(out, "%04d.jpg" % k), "wb") as f:
            f.write(jpeg)
        with open(os.path.join(out, "%04d.raw" % k), "wb") as f:
            f.write(model_input(load_data_url_image(jpeg)))
    rows, cols = same_geometry(shapes, chosen)
    report(chosen, rows, cols)


def run_mr(src, out, max_slice):
    chosen = sort_and_sample(series_paths(src), max_slice)
    images = [read_pixels(p)[1] for _, p in chosen]
    rows, cols = same_geometry([a.shape for a in images], chosen)
    output_dtype = np.uint8
    max_dtype_value = np.iinfo(output_dtype).max
    min_val = min(np.min(img) for img in images)
    max_val = max(np.max(img) for img in images)
    with np.errstate(over="ignore"):
        max_delta = max_val - min_val
    if int(max_delta) != int(max_val) - int(min_val):
        print(f"reference.py: warning: max - min = {int(max_val) - int(min_val)} overflows "
              f"{np.asarray(max_delta).dtype} ({max_delta}); reproducing Google's arithmetic",
              file=sys.stderr)
    os.makedirs(out, exist_ok=True)
    for k, image in enumerate(images):
        image = image.astype(np.float64)
        if max_delta == 0:
            image[...] = max_dtype_value
        else:
            image -= min_val
            image /= max_delta
            image *= max_dtype_value
            np.round(image, 0, out=image)
        with open(os.path.join(out, "%04d.raw" % k), "wb") as f:
            f.write(np.ascontiguousarray(image.astype(output_dtype)).tobytes())
    report(chosen, rows, cols)


def pad_to_square(rgb):
    """pad_image_to_square's geometry on an RGB PIL image (see the docstring)."""
    a = np.asarray(rgb, dtype=np.uint8)
    h, w = a.shape[0], a.shape[1]
    if h < w:
        dh = w - h
        a = np.pad(a, ((dh // 2, dh - dh // 2), (0, 0), (0, 0)))
    if w < h:
        dw = h - w
        a = np.pad(a, ((0, 0), (dw // 2, dw - dw // 2), (0, 0)))
    return Image.fromarray(a)


def run_cxr(path, out, pad):
    try:
        img = Image.open(path)
        img.load()
    except Exception as e:  # noqa: BLE001
        die(f"{path}: not readable as an image: {e}")
    size = img.size
    if pad:
        if img.mode not in ("L", "RGB"):
            die(f"{path}: mode {img.mode}: the notebook's skimage conversion "
                "(img_as_ubyte, gray2rgb, rgba2rgb) matches Pillow's convert(\"RGB\") "
                "only for 8-bit L and RGB images")
        img = pad_to_square(img.convert("RGB"))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "0000.raw"), "wb") as f:
        f.write(model_input(img))
    print(json.dumps({"width": size[0], "height": size[1]}))


def usage():
    print("usage:" + __doc__.split("Where every step")[0].split("usage:")[1].rstrip(), file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) < 4:
        usage()
    mode, src, out, rest = argv[1], argv[2], argv[3], argv[4:]
    if mode == "ct" and len(rest) <= 2:
        max_slice = parse_max(rest[0]) if rest else MAX_SLICE
        windows = parse_windows(rest[1]) if len(rest) > 1 else NOTEBOOK_WINDOWS
        run_ct(src, out, max_slice, windows)
    elif mode == "mr" and len(rest) <= 1:
        run_mr(src, out, parse_max(rest[0]) if rest else MAX_SLICE)
    elif mode in ("cxr", "cxr-pad") and not rest:
        run_cxr(src, out, mode == "cxr-pad")
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv)
