"""Make convanim's real picture once: Grace Hopper's portrait from the sample data matplotlib
ships (mpl-data/sample_data/grace_hopper.jpg), cropped to a square around her face, cap and
the flag behind her, in grey, 48x48, stored as convanim/story/grace_hopper_48.npy (uint8).

Run from the checkout: python scripts/make_picture.py. Nothing is downloaded, then or when
convanim draws it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image

SIZE = 48
CROP = (56, 0, 456, 400)  # (left, top, right, bottom) pixels of the 512x600 portrait
OUT = Path(__file__).resolve().parents[1] / "convanim" / "story" / "grace_hopper_48.npy"

source = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
with Image.open(source) as image:
    grey = image.convert("L").crop(CROP).resize((SIZE, SIZE), Image.Resampling.LANCZOS)
np.save(OUT, np.asarray(grey, dtype=np.uint8), allow_pickle=False)
print(f"{OUT}: {SIZE}x{SIZE} from {source}")
