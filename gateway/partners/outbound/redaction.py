"""Masking personal data before it leaves the platform: names, PRC resident ID numbers (18
characters, or the old 15) and phone numbers, in structured fields and in free text."""

import re

# An ID number: 17 digits and a check character, or 15 digits, not inside a longer number.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# A mobile number (11 digits starting 1[3-9]), optionally with +86; or a landline with area code.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)")


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*********."""
    name = name.strip()
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_id_numbers(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: "*" * (len(m.group(1)) - 4) + m.group(1)[-4:], text)


def mask_phones(text: str) -> str:
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-4:]}", text)
