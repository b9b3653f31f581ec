"""Personal identifiers: find them, redact them, and spot secrets citizens should never send.

Citizens paste their 12-digit ID (CCCD / số định danh), phone numbers and even OTP codes
into the chat. Nothing of that may be stored as typed, and secrets deserve a warning
because scammers impersonating the police ask for exactly these.
"""

from __future__ import annotations

import re
import unicodedata

ID_NUMBER = "id_number"
OTP = "otp"
PASSWORD = "password"

ID_MARK = "[số định danh]"
PHONE_MARK = "[số điện thoại]"
EMAIL_MARK = "[email]"
PASSWORD_MARK = "[mật khẩu]"

# 12 digits (CCCD / personal ID), possibly typed in groups: "001 095 001 234".
_ID_12 = re.compile(r"(?<![\d+])\d(?:[ .-]?\d){11}(?!\d)")
# Old 9-digit CMND numbers and any other long digit run we cannot classify.
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
# Vietnamese phone numbers: 0xxxxxxxxx or +84 / 84 followed by 9 digits, groups allowed.
_PHONE = re.compile(r"(?<![\d])(?:\+84|84|0)[ .-]?\d{2,3}(?:[ .-]?\d){6,7}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_CODE = r"\d{4,8}"
_OTP_WORDS = r"(?:otp|mã xác (?:thực|nhận|minh)|mã kích hoạt|mã code|ma otp|ma xac (?:thuc|nhan))"
_OTP_ONLY = re.compile(rf"^\s*(?:{_OTP_WORDS}\s*[:=là]*\s*)?{_CODE}\s*$", re.IGNORECASE)
_OTP_WITH_CODE = re.compile(
    rf"{_OTP_WORDS}[^\d\n]{{0,30}}(?<!\d){_CODE}(?!\d)|(?<!\d){_CODE}(?!\d)[^\d\n]{{0,15}}{_OTP_WORDS}",
    re.IGNORECASE,
)
_PASSWORD_WORDS = r"(?:mật khẩu|mat khau|mk|pass(?:word)?|passcode|mã pin|ma pin|pin)"
_PERSON = r"(?:tôi|toi|em|mình|minh|tao|cháu|chau|con|tui)"
_OWNER = rf"(?:(?:của|cua)\s+)?{_PERSON}"
_ACCOUNT = r"(?:vneid|vn eid|tài khoản|tai khoan|tk|định danh|dinh danh|app|ứng dụng|ung dung)"
# "mật khẩu của tôi là Abc@123", "mk cua toi la hoa123", "pass vneid: Matkhau@2024" — a value
# follows, not a question about it.
_PASSWORD_VALUE = re.compile(
    rf"\b{_PASSWORD_WORDS}\b(?:\s+{_ACCOUNT})?(?:\s+(?:{_OWNER}))?\s*(?::|=|\b(?:là|la)\b)\s*(\S+)",
    re.IGNORECASE,
)
_QUESTION_WORDS = ("gì", "gi", "nào", "nao", "sao", "thế nào", "the nao", "không", "khong",
                   "j", "?")


def normalise(text: str) -> str:
    """NFC so that regexes with Vietnamese letters match however the text was typed."""
    return unicodedata.normalize("NFC", text)


def redact(text: str) -> str:
    """The text with ID numbers, phone numbers, emails and typed passwords replaced by
    neutral marks."""
    text = normalise(text)
    text = _redact_passwords(text)
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _ID_12.sub(ID_MARK, text)
    text = _PHONE.sub(PHONE_MARK, text)
    return _LONG_DIGITS.sub(ID_MARK, text)


def find_secret(text: str) -> str | None:
    """Which kind of secret the message seems to contain: OTP, PASSWORD, ID_NUMBER or None.

    Questions *about* OTPs or passwords ("không nhận được mã OTP") are not secrets; a code
    or a value next to those words is.
    """
    text = normalise(text)
    if _OTP_ONLY.match(text) or _OTP_WITH_CODE.search(text):
        return OTP
    if _looks_like_password(text):
        return PASSWORD
    if _ID_12.search(text):
        return ID_NUMBER
    return None


def _looks_like_password(text: str) -> bool:
    return any(_is_password_value(m) for m in _PASSWORD_VALUE.finditer(text))


def _is_password_value(match: re.Match[str]) -> bool:
    value = match.group(1).lower()
    return not any(value.startswith(word) for word in _QUESTION_WORDS)


def _redact_passwords(text: str) -> str:
    """Replace the value after "mật khẩu là", "pass:" … by a mark, keeping the words."""
    def mark(match: re.Match[str]) -> str:
        if not _is_password_value(match):
            return match.group(0)
        start, end = match.span(1)
        return match.group(0)[: start - match.start()] + PASSWORD_MARK + match.group(0)[
            end - match.start():]

    return _PASSWORD_VALUE.sub(mark, text)
