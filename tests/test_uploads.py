"""Uploaded images: the pixel limit is checked from the header before anything decodes the
image, and smaller copies are named by the content they are made from."""

import io
import struct
import zlib
from functools import cache
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from newsroom.models import Article
from tests.factories import ArticleFactory, SectionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def huge_png(side=12_000):
    """A real, valid black-and-white PNG of side × side pixels, about 30 KB: the file from the
    report, written row by row so the test itself never holds the picture in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((side + 7) // 8)  # filter byte, then one bit per pixel
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def picture(size, colour, kind):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def add_article(client, image_name, content, content_type="image/png"):
    section = SectionFactory()
    return client.post("/admin/newsroom/article/add/", {
        "headline": "A flood", "slug": "a-flood", "standfirst": "", "body": "Water.",
        "lead_image": SimpleUploadedFile(image_name, content, content_type),
        "lead_image_alt": "", "lead_image_caption": "", "lead_image_credit": "",
        "section": section.pk, "status": "draft", "published_at_0": "", "published_at_1": "",
    })


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(client, settings):
    assert len(huge_png()) < 60_000
    client.force_login(StaffFactory())
    # ImageFile.load is where Pillow decodes pixels: it must not run for this upload.
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = add_article(client, "bomb.png", huge_png())
    assert response.status_code == 200
    html = response.content.decode()
    assert "This image is far too large (at most 40 megapixels are allowed)" in html
    assert not Article.objects.exists()
    assert not (settings.MEDIA_ROOT / "lead").exists()


def test_the_error_names_the_size_and_the_limit(client, settings):
    settings.IMAGES_MAX_PIXELS = 1_000_000
    client.force_login(StaffFactory())
    response = add_article(client, "wide.png", picture((1250, 1000), "red", "PNG"))
    assert ("This image is 1,250 × 1,000 pixels (1 megapixels); at most 1 megapixels are allowed. "
            "Please upload a smaller version.") in response.content.decode()
    assert not Article.objects.exists()
    # Within the limit the same form stores the image and its smaller copies.
    response = add_article(client, "fine.png", picture((1000, 1000), "red", "PNG"))
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.lead_image_width, article.lead_image_height) == (1000, 1000)
    assert article.lead_image.storage.exists(f"renditions/{article.lead_image_digest}-800w.jpg")


def test_pillow_refuses_to_decode_past_the_limit_anywhere_in_the_site(settings):
    assert Image.MAX_IMAGE_PIXELS == settings.IMAGES_MAX_PIXELS == 40_000_000


def colour_of(storage, name):
    with storage.open(name) as file, Image.open(file) as image:
        return image.convert("RGB").getpixel((10, 10))


def test_renditions_of_different_files_are_never_shared_whatever_their_names():
    # The report: a new bomb.jpg was shown with another article's bomb.png copies.
    red = ArticleFactory()
    red.lead_image = SimpleUploadedFile("bomb.png", picture((1600, 900), (200, 0, 0), "PNG"))
    red.save()
    blue = ArticleFactory()
    blue.lead_image = SimpleUploadedFile("bomb.jpg", picture((1600, 900), (0, 0, 200), "JPEG"))
    blue.save()
    assert red.lead_image_digest != blue.lead_image_digest
    red_copies = red.lead_image_srcset.split(", ")[:-1]
    blue_copies = blue.lead_image_srcset.split(", ")[:-1]
    assert len(red_copies) == len(blue_copies) == 3 and not set(red_copies) & set(blue_copies)
    storage = blue.lead_image.storage
    for width in (480, 800, 1200):
        red_pixel = colour_of(storage, f"renditions/{red.lead_image_digest}-{width}w.jpg")
        blue_pixel = colour_of(storage, f"renditions/{blue.lead_image_digest}-{width}w.jpg")
        assert red_pixel[0] > 150 and red_pixel[2] < 50
        assert blue_pixel[2] > 150 and blue_pixel[0] < 50


def test_a_new_image_under_an_old_name_gets_new_copies():
    article = ArticleFactory()
    article.lead_image = SimpleUploadedFile("photo.jpg", picture((1000, 500), "red", "JPEG"))
    article.save()
    first = article.lead_image_digest
    storage, name = article.lead_image.storage, article.lead_image.name
    storage.delete(name)  # the file goes; a new one is stored under the same name
    article = Article.objects.get(pk=article.pk)
    article.lead_image.save("photo.jpg", SimpleUploadedFile("photo.jpg", picture((1000, 500), "blue", "JPEG")))
    assert article.lead_image.name == name and article.lead_image_digest != first
    assert Article.objects.get(pk=article.pk).lead_image_digest == article.lead_image_digest
    assert colour_of(storage, f"renditions/{article.lead_image_digest}-480w.jpg")[2] > 150


def test_an_image_stored_before_digests_offers_only_itself_until_saved_again():
    article = ArticleFactory()
    article.lead_image = SimpleUploadedFile("old.jpg", picture((1000, 500), "red", "JPEG"))
    article.save()
    Article.objects.filter(pk=article.pk).update(lead_image_digest="")
    article = Article.objects.get(pk=article.pk)
    assert article.lead_image_srcset == f"{article.lead_image.url} 1000w"
    article.save()
    assert f"/media/renditions/{article.lead_image_digest}-480w.jpg 480w" in article.lead_image_srcset


def test_copies_of_a_large_jpeg_are_as_wide_as_promised():
    # Decoded at a reduced scale for speed and memory, but never below the copy's width.
    article = ArticleFactory()
    article.lead_image = SimpleUploadedFile("tall.jpg", picture((2600, 5200), "green", "JPEG"))
    article.save()
    storage = article.lead_image.storage
    for width in (480, 800, 1200):
        with storage.open(f"renditions/{article.lead_image_digest}-{width}w.jpg") as file, Image.open(file) as copy:
            assert copy.size == (width, width * 2)
