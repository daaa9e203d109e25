"""The workbook's one error type for bad input.

Every message names the file, field or argument, what was expected and what was found. The CLI turns
an ``InputError`` into one line on stderr and exit code 2; notebooks show the message as is.
"""


class InputError(ValueError):
    """Bad input from a file, a scenario, a notebook parameter or the command line."""


def expected(where: str, what: str, found: object) -> InputError:
    """Build the standard message: ``<where>: expected <what>, found <found>``."""
    return InputError(f"{where}: expected {what}, found {found!r}")
