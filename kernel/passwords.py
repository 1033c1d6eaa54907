"""Passwords, stored only as scrypt hashes (RFC 7914 parameters recorded with each hash, so they
can be raised later without invalidating old ones).

One implementation for every service that checks a password: the gateway for its operators,
an agency for its break-glass account (whose hash an operator makes offline and puts in the
agency's settings). Make a hash with ``python -m kernel.passwords``, the password on stdin:

    printf '%s' 'the password' | python -m kernel.passwords
"""

import hashlib
import hmac
import secrets
import sys

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """False for a wrong password and for anything that is not one of our hashes."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
        return hmac.compare_digest(candidate, bytes.fromhex(digest))
    except ValueError:
        return False


def main() -> int:
    """Reads one password from stdin (a trailing newline is not part of it) and prints its
    hash, so the password never appears in a command line or the shell's history."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("give the password on stdin", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
