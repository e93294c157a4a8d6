"""Phone numbers as citizens type them: "+84 912 345 678", "0912.345.678" → "0912345678"."""

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
# A Vietnamese number once normalised: 0 and 9–10 digits (mobile and landline).
VIETNAMESE = re.compile(r"^0\d{9,10}$")
# Any number a gateway may take: an optional + and 9–15 digits.
ANY = re.compile(r"^\+?\d{9,15}$")


def normalize_phone(text: str | None) -> str:
    """Separators removed and +84 written as 0; the result still needs a pattern check."""
    phone = _SEPARATORS.sub("", text or "")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    return phone
