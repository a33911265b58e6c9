"""System checks of the site's own settings (Django's checks cover its own)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends that write whole messages where the server's logs go: a password-reset mail
# carries a working link, so in production these hand accounts to whoever reads the logs.
MAIL_TO_LOGS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def check_mail_leaves_the_server(app_configs, **kwargs):
    if settings.DEBUG or settings.EMAIL_BACKEND not in MAIL_TO_LOGS:
        return []
    return [
        Warning(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} with DEBUG off: password-reset mail, "
            "with its working link, is written to the server's output and logs instead of sent.",
            hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST "
            "(see README.md, Settings).",
            id="newsroom.W001",
        )
    ]
