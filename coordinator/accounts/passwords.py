"""The password policy (after NIST SP 800-63B): long enough, not one of the
most common passwords, not the account's own name or address; no composition rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128
#: The most used passwords of the leaked lists (lower-cased), long enough to pass the length rule.
COMMON = frozenset({
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "qwertyuiop", "1q2w3e4r5t",
    "1qaz2wsx3edc", "qwerty123456", "password12", "password123", "password1234", "passw0rd123", "iloveyou12",
    "abcdefghij", "abc1234567", "a123456789", "woaini1314", "woaini520", "qq123456789", "aa123456789",
    "5201314520", "1314520520", "administrator", "admin123456", "welcome123", "letmein123",
})


def password_problems(password: str, *, username: str = "", email: str | None = None) -> list:
    """Everything wrong with ``password`` (empty when the policy accepts it)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("密码至少需要 %(n)d 个字符", n=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_l("密码最多 %(n)d 个字符", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) <= 2:
        problems.append(_l("这个密码太常见，容易被猜到"))
    names = [n.lower() for n in (username, (email or "").split("@")[0]) if n and len(n) >= 3]
    if any(n in lowered for n in names):
        problems.append(_l("密码不能包含用户名或邮箱名"))
    return problems
