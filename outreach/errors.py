"""The one project exception. Library code raises it with a human message; the CLI exits cleanly."""


class OutreachError(Exception):
    """A problem the user can fix: bad input, a missing file, a template error.

    The message is one line that names the file, row/line and field where known.
    ``exit_code`` is what the CLI exits with (2 for bad input, like click's usage errors).

    ``field`` names the input the problem is in, as the library knows it (``"start"``,
    ``"after"``, ``"rate"``): the library never spells a command-line flag. The CLI maps the
    field to the option the user typed (``--start``) and prefixes it; printed without a CLI,
    the error reads ``start: ...``.
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def for_option(self, flag: str) -> str:
        """The message as the CLI prints it, the field spelled as the user's ``flag``."""
        return f"{flag}: {self.message}"
