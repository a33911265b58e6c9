"""Uploaded images: the pixel limit, and smaller copies of lead images ("renditions").

The limit (IMAGES_MAX_PIXELS) is checked from the file's header before anything decodes it:
a 33 KB PNG can declare 12,000 × 12,000 pixels, which take over a gigabyte once decoded.
Pillow's own limit (Image.MAX_IMAGE_PIXELS, set from the same setting when the app starts)
guards every other place an image is opened.

Renditions are named by the content they are made from (a SHA-256 of the original file,
stored on the article as lead_image_digest): renditions/<digest>-<width>w.jpg. Two different
files never share copies, whatever they are called; the same file uploaded twice does. The
page lists them in srcset and the browser picks one. They are made when an article is saved
with a new image.
"""

import hashlib
import io
import warnings

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

RENDITION_WIDTHS = (480, 800, 1200)
DIGEST_LENGTH = 32  # hex digits of SHA-256 kept in names: 128 bits


def pixel_size(file):
    """(width, height) from the image's header without decoding it, or None if the file is
    larger than even Pillow's hard limit (twice IMAGES_MAX_PIXELS) or not an image."""
    position = file.tell()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as image:  # reads the header only
                return image.size
    except Image.DecompressionBombError:
        return (None, None)
    except Exception:  # not an image: Django's ImageField says so in its own words
        return None
    finally:
        file.seek(position)


def too_many_pixels(file):
    """The form error for an image over IMAGES_MAX_PIXELS, or None."""
    size = pixel_size(file)
    limit = settings.IMAGES_MAX_PIXELS
    if size is None:
        return None
    width, height = size
    allowed = f"at most {limit / 1e6:g} megapixels"
    if width is None:
        return f"This image is far too large ({allowed} are allowed). Please upload a smaller version."
    if width * height <= limit:
        return None
    return (f"This image is {width:,} × {height:,} pixels ({width * height / 1e6:.0f} megapixels); "
            f"{allowed} are allowed. Please upload a smaller version.")


class LimitedImageField(forms.ImageField):
    """Django's image form field, refusing images over the pixel limit before it (or anything
    else) decodes them."""

    def to_python(self, data):
        if data and hasattr(data, "seek"):
            message = too_many_pixels(data)
            if message:
                raise forms.ValidationError(message, code="too_many_pixels")
        return super().to_python(data)


def digest(file):
    """SHA-256 of a file's content (an upload, or a stored FieldFile), as rendition names use it."""
    sha = hashlib.sha256()
    if getattr(file, "_committed", False):
        with file.storage.open(file.name, "rb") as stored:
            for chunk in stored.chunks():
                sha.update(chunk)
    else:
        for chunk in file.chunks():  # from the beginning
            sha.update(chunk)
        file.seek(0)
    return sha.hexdigest()[:DIGEST_LENGTH]


def rendition_name(content_digest, width):
    return f"renditions/{content_digest}-{width}w.jpg"


def widths_for(original_width):
    return [width for width in RENDITION_WIDTHS if original_width and width < original_width]


def make_renditions(field_file, original_width, original_height, content_digest):
    """Write the missing smaller copies of an ImageField's file."""
    storage = field_file.storage
    if not content_digest or (original_width or 0) * (original_height or 0) > settings.IMAGES_MAX_PIXELS:
        return
    missing = [w for w in widths_for(original_width)
               if not storage.exists(rendition_name(content_digest, w))]
    if not missing:
        return
    with storage.open(field_file.name) as source:
        image = Image.open(source)
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 of its size, as long as both sides stay at
        # least the largest copy's width (a 6,000 px square: 46 MB at its peak instead of 429).
        image.draft("RGB", (max(missing), max(missing)))
        image = ImageOps.exif_transpose(image).convert("RGB")
    for width in missing:
        copy = image.copy()
        copy.thumbnail((width, width * 10))
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
        storage.save(rendition_name(content_digest, width), ContentFile(buffer.getvalue()))


def srcset(field_file, original_width, content_digest):
    """The srcset value, built from names alone (no file system access on the page). An image
    with no digest yet (stored before renditions were named by content) offers itself only."""
    storage = field_file.storage
    widths = widths_for(original_width) if content_digest else []
    candidates = [f"{storage.url(rendition_name(content_digest, w))} {w}w" for w in widths]
    candidates.append(f"{field_file.url} {original_width}w")
    return ", ".join(candidates)
