"""``python -m outreach``: the same command line as the ``outreach`` console script."""

from outreach.cli import main

if __name__ == "__main__":
    main()
