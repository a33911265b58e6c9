"""Date parts of canonical URLs, always zero-padded: /2021/06/01/slug/.

They stay strings for the date-based generic views, which parse them with strptime.
"""


class FourDigitYear:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigits:
    regex = "[0-9]{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return f"{int(value):02d}"
