"""Bitstring Status List v1.0: a gzip-compressed bitstring, multibase base64url-encoded; bit i
(most significant bit of byte 0 is index 0) set means the credential at index i is revoked."""

import gzip

from . import multibase

# The specification's minimum, so that one list gives herd privacy to many credentials.
LIST_LENGTH = 131_072


def encode(revoked_indexes: set[int] | list[int], length: int = LIST_LENGTH) -> str:
    bits = bytearray(length // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return multibase.base64url(gzip.compress(bytes(bits), mtime=0))


def is_set(encoded_list: str, index: int) -> bool:
    bits = gzip.decompress(multibase.from_base64url(encoded_list))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
