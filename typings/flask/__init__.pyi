# Type stubs for "import flask" under framework.compat.flask.install(): at
# run time "flask" is then this framework (see docs/flask-extensions.rst),
# so an application that keeps its Flask imports is checked against the
# framework's API, not Flask's. mypy finds these through mypy_path before
# the installed Flask package.
#
# Flask's top-level namespace: everything "framework" exports, plus Flask's
# name for the application class.

from framework import *  # noqa: F403
from framework import App
from framework import json as json

from . import app as app
from . import blueprints as blueprints
from . import cli as cli
from . import config as config
from . import ctx as ctx
from . import debughelpers as debughelpers
from . import globals as globals
from . import helpers as helpers
from . import logging as logging
from . import sessions as sessions
from . import signals as signals
from . import templating as templating
from . import testing as testing
from . import typing as typing
from . import views as views
from . import wrappers as wrappers

Flask = App
__version__: str
