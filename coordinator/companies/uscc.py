"""The 统一社会信用代码 (unified social credit code) of GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters
without I, O, S, V and Z); the 18th is a check character over the first 17:
weights 3**i mod 31, check = 31 - (weighted sum mod 31), 31 written as 0.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC (``length``, ``alphabet`` or
    ``check``), or ``None`` when it is."""
    if len(code) != LENGTH:
        return "length"
    if any(c not in ALPHABET for c in code):
        return "alphabet"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None
