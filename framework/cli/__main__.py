"""``python -m framework.cli``: the ``framework`` command.

Layer 4. Python imports the package as itself before it runs this module,
so there is one copy of :class:`~framework.cli.ScriptInfo` and
:class:`~framework.cli.AppGroup`, not a second one in ``__main__``.
"""

from framework.cli import main

if __name__ == "__main__":
    main()
