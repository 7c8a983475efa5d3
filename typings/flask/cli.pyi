# Flask's module path flask.cli under framework.compat.flask.install():
# framework.cli, plus Flask's name for the root command group.

from framework.cli import *  # noqa: F403
from framework.cli import FrameworkGroup
from framework.cli import get_version as get_version

FlaskGroup = FrameworkGroup
