"""Multibase (base58btc 'z', base64url 'u') and multicodec headers, as did:key and
eddsa-rdfc-2022 use them."""

import base64

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

# multicodec varint prefixes
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_B58_ALPHABET[rest])
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError("not base58btc")
        number = number * 58 + _B58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_ones = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_ones + body


def base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def from_base58btc(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    return b58decode(text[1:])


def base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def from_base64url(text: str) -> bytes:
    if not text.startswith("u"):
        raise ValueError("not a base64url multibase value")
    body = text[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
