"""The one project exception. Library code raises it with a human message; the CLI exits cleanly."""


class OutreachError(Exception):
    """A problem the user can fix: bad input, a missing file, a template error.

    The message is one line that names the file, row/line and field where known.
    ``exit_code`` is what the CLI exits with (2 for bad input, like click's usage errors).
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
