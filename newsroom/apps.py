from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from newsroom import checks  # noqa: F401  (registers the system checks)
        from newsroom import versions

        versions.connect()
        # Pillow warns above this many pixels and refuses twice as many, wherever an image is
        # opened; uploads are held to the limit itself before that (newsroom/images.py).
        Image.MAX_IMAGE_PIXELS = settings.IMAGES_MAX_PIXELS
