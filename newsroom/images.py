"""Smaller copies of lead images, so phones download a picture the size of their screen.

Each copy is stored beside the original as NAME-<width>w.jpg; the page lists them in srcset
and the browser picks one. They are made once, when an article is saved with a new image.
"""

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

RENDITION_WIDTHS = (480, 800, 1200)


def rendition_name(name, width):
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}-{width}w.jpg"))


def widths_for(original_width):
    return [width for width in RENDITION_WIDTHS if original_width and width < original_width]


def make_renditions(field_file, original_width):
    """Write the missing smaller copies of an ImageField's file."""
    storage, name = field_file.storage, field_file.name
    missing = [w for w in widths_for(original_width) if not storage.exists(rendition_name(name, w))]
    if not missing:
        return
    with storage.open(name) as source:
        image = ImageOps.exif_transpose(Image.open(source)).convert("RGB")
    for width in missing:
        copy = image.copy()
        copy.thumbnail((width, width * 10))
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
        storage.save(rendition_name(name, width), ContentFile(buffer.getvalue()))


def srcset(field_file, original_width):
    """The srcset value, built from names alone (no file system access on the page)."""
    storage, name = field_file.storage, field_file.name
    candidates = [f"{storage.url(rendition_name(name, w))} {w}w" for w in widths_for(original_width)]
    candidates.append(f"{field_file.url} {original_width}w")
    return ", ".join(candidates)
