"""PIL's reading of the messy-folder fixtures: the golden file data tests compare with.

    go run ./scripts/messyfolder /tmp/messy
    /usr/bin/python3 scripts/pil_golden.py /tmp/messy > data/testdata/pil_golden.json

Each image is opened as Keras' loader opens it, turned upright with
ImageOps.exif_transpose (Exif in JPEG APP1 and PNG eXIf; TIFF's own
orientation tag is left alone: PIL's libtiff path already turns some
orientations while reading, which is no reference to match), then converted with convert("RGB"), convert("L")
and convert("RGBA"); the pixels are hex bytes, rows top to bottom.
"""
import json
import os
import sys

import PIL
from PIL import Image, ImageOps

FILES = [f"train/circle/orientation-{o}.jpg" for o in range(1, 9)] + [
    "train/square/transparent.gif",
    "train/square/transparent.png",
    "train/square/alpha.png",
    "train/square/gray-alpha.png",
] + [f"orientation/png-{o}.png" for o in (3, 5, 6, 8)]

out = {"pil": PIL.__version__, "images": {}}
for name in FILES:
    with Image.open(os.path.join(sys.argv[1], name)) as im:
        im = ImageOps.exif_transpose(im)
        entry = {"width": im.width, "height": im.height}
        for mode in ("RGB", "L", "RGBA"):
            entry[mode] = im.convert(mode).tobytes().hex()
        out["images"][name] = entry
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
