"""The one password hashing every service uses, and the command that makes a hash offline."""

import subprocess
import sys

from kernel.passwords import hash_password, verify_password


def test_a_hash_accepts_its_password_and_nothing_else() -> None:
    stored = hash_password("break the glass")

    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("break the glass", stored)
    assert not verify_password("break the glass ", stored)
    assert hash_password("break the glass") != stored  # salted


def test_anything_that_is_not_one_of_our_hashes_verifies_nothing() -> None:
    for stored in ("", "plain", "bcrypt$1$2$3$00$00", "scrypt$x$8$1$00$00", "scrypt$16384$8$1$zz$00"):
        assert not verify_password("anything", stored)


def test_the_command_reads_the_password_from_stdin_and_prints_its_hash() -> None:
    made = subprocess.run(
        [sys.executable, "-m", "kernel.passwords"],
        input="glass pane\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert verify_password("glass pane", made.stdout.strip())


def test_the_command_refuses_an_empty_password() -> None:
    made = subprocess.run(
        [sys.executable, "-m", "kernel.passwords"],
        check=False,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert made.returncode == 2
    assert made.stdout == ""
