"""``python -m framework``: the ``framework`` command."""

from framework.cli import main

if __name__ == "__main__":
    main()
