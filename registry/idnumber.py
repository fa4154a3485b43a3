"""Resident ID numbers and phone numbers: parsing, validation, masking and normalising.

A child's record carries the 18-character mainland resident ID number (GB 11643-1999) and
guardians' phone numbers. This module is the one place that knows their formats:

* ``parse_id_number`` checks an ID number (format, birth date, check character) and returns
  its parts; ``validate_id_number`` is the same check as a Django field validator.
* ``id_check_character`` and ``make_id_number`` build valid numbers for test factories and
  the demo data generator.
* ``mask_id_number`` hides the middle of an ID number for pages and exports that need no
  more than a glimpse of it.
* ``validate_phone`` and ``normalise_phone`` accept mainland mobile and landline numbers as
  people type them and store them in one spelling.

Legacy 15-digit ID numbers are not accepted.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "IdNumberInfo",
    "id_check_character",
    "make_id_number",
    "mask_id_number",
    "mask_student_number",
    "normalise_phone",
    "parse_id_number",
    "validate_id_number",
    "validate_phone",
]

# GB 11643-1999: weights of the first 17 digits, and the check character for each
# remainder of the weighted sum modulo 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"

# [0-9] rather than \d: \d would also match full-width and other non-ASCII digits.
_ID_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_SEVENTEEN_DIGITS = re.compile(r"[0-9]{17}")
_AREA_CODE = re.compile(r"[0-9]{6}")

_EARLIEST_BIRTH_YEAR = 1900

ID_FORMAT_MESSAGE = _("A resident ID number has 18 characters: 17 digits and a final digit or X.")
ID_BAD_DATE_MESSAGE = _("The birth date in this ID number (%(date)s) is not a real date.")
ID_FUTURE_DATE_MESSAGE = _("The birth date in this ID number (%(date)s) is in the future.")
ID_EARLY_DATE_MESSAGE = _("The birth date in this ID number (%(date)s) is before 1900.")
ID_CHECK_DIGIT_MESSAGE = _(
    "The last character of this ID number does not match the others (check digit). "
    "Please check the number."
)
PHONE_MESSAGE = _(
    "Enter a mobile number (11 digits) or a landline with its area code, e.g. 0791-12345678."
)


@dataclass(frozen=True)
class IdNumberInfo:
    """The parts of a valid resident ID number."""

    number: str  # normalised: 18 characters, a final X in upper case
    area_code: str  # 6 digits, the administrative area of first registration
    birth_date: date
    sex: str  # "M" or "F"

    def __repr__(self):
        # Keep full ID numbers out of logs and tracebacks.
        return (
            f"IdNumberInfo(number={mask_id_number(self.number)!r}, "
            f"area_code={self.area_code!r}, birth_date={self.birth_date!r}, sex={self.sex!r})"
        )


def id_check_character(first17: str) -> str:
    """Return the check character ("0"–"9" or "X") for the first 17 digits of an ID number."""
    if not isinstance(first17, str) or not _SEVENTEEN_DIGITS.fullmatch(first17):
        raise ValueError("id_check_character needs exactly 17 ASCII digits.")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def make_id_number(area_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid ID number; an odd ``sequence`` gives a male number, an even one female.

    Meant for test factories and demo data, so the birth date is not checked against today.
    """
    if not isinstance(area_code, str) or not _AREA_CODE.fullmatch(area_code):
        raise ValueError("area_code must be 6 ASCII digits.")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise ValueError("sequence must be an integer from 0 to 999.")
    first17 = (
        f"{area_code}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}{sequence:03d}"
    )
    return first17 + id_check_character(first17)


def parse_id_number(value) -> IdNumberInfo:
    """Check an 18-character resident ID number and return its parts.

    Surrounding whitespace is stripped and a final lower-case x is accepted. Raises
    ``ValidationError`` with code "id_format", "id_birth_date" or "id_check_digit".
    """
    number = ("" if value is None else str(value)).strip().upper()
    if not _ID_FORMAT.fullmatch(number):
        raise ValidationError(ID_FORMAT_MESSAGE, code="id_format")

    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    shown = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise ValidationError(
            ID_BAD_DATE_MESSAGE, code="id_birth_date", params={"date": shown}
        ) from None
    if birth_date.year < _EARLIEST_BIRTH_YEAR:
        raise ValidationError(ID_EARLY_DATE_MESSAGE, code="id_birth_date", params={"date": shown})
    if birth_date > timezone.localdate():
        raise ValidationError(ID_FUTURE_DATE_MESSAGE, code="id_birth_date", params={"date": shown})

    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(ID_CHECK_DIGIT_MESSAGE, code="id_check_digit")

    return IdNumberInfo(
        number=number,
        area_code=number[:6],
        birth_date=birth_date,
        sex="M" if int(number[14:17]) % 2 else "F",
    )


def validate_id_number(value) -> None:
    """Django field validator: raise ``ValidationError`` unless ``value`` is a valid ID number."""
    parse_id_number(value)


def mask_id_number(value) -> str:
    """Hide the birth date of an ID number: "110105********002X".

    An empty value gives ""; a value that is not 18 characters long is masked entirely except
    its last 2 characters (and entirely if it has no more than 2).
    """
    number = ("" if value is None else str(value)).strip().upper()
    if len(number) == 18:
        return number[:6] + "*" * 8 + number[-4:]
    if len(number) <= 2:
        return "*" * len(number)
    return "*" * (len(number) - 2) + number[-2:]


# The national student number (全国学籍号) is usually "G" followed by the child's ID number.
_EMBEDDED_ID = re.compile(r"[0-9]{17}[0-9X]", re.IGNORECASE)


def mask_student_number(value) -> str:
    """Mask an ID number inside a student number ("G110105********002X"); a student
    number without one is shown as it is."""
    number = "" if value is None else str(value).strip()
    return _EMBEDDED_ID.sub(lambda m: mask_id_number(m.group(0)), number)


# Mobile: 11 digits starting 1[3-9], optionally after +86 or 86; spaces and hyphens anywhere
# inside are dropped before matching.
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")
_MOBILE_SEPARATORS = re.compile(r"[\s-]+")

# Landline: area code, optional hyphen or space, 7–8 digit local number, optional extension
# after "-" or "转". Area codes are 010 and 020–029 (0 + 2 digits) or 0 + 3 digits starting
# 3–9, so the area code is unambiguous even when it is not separated from the number.
_LANDLINE = re.compile(
    r"(0[12][0-9]|0[3-9][0-9]{2})"
    r"(?:\s*-\s*|\s+)?"
    r"([0-9]{7,8})"
    r"(?:\s*(?:-|转)\s*([0-9]{1,6}))?"
)


def _normalised_phone_or_none(value) -> str | None:
    text = ("" if value is None else str(value)).strip()
    if not text:
        return None
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area, local, extension = landline.groups()
        return f"{area}-{local}-{extension}" if extension else f"{area}-{local}"
    mobile = _MOBILE.fullmatch(_MOBILE_SEPARATORS.sub("", text))
    if mobile:
        return mobile.group(1)
    return None


def validate_phone(value) -> None:
    """Django field validator for a mainland mobile or landline number (code "phone")."""
    if _normalised_phone_or_none(value) is None:
        raise ValidationError(PHONE_MESSAGE, code="phone")


def normalise_phone(value) -> str:
    """Return a phone number in its stored spelling.

    Mobiles become 11 plain digits ("13800138000"), landlines "0791-12345678" with any
    extension appended as "-123". A blank value gives ""; an invalid one raises the same
    ``ValidationError`` as ``validate_phone``.
    """
    if value is None or not str(value).strip():
        return ""
    normalised = _normalised_phone_or_none(value)
    if normalised is None:
        raise ValidationError(PHONE_MESSAGE, code="phone")
    return normalised
