# Flask's module path flask.testing under framework.compat.flask.install():
# framework.testing, plus Flask's names for the test client and CLI runner.

from framework.testing import *  # noqa: F403
from framework.testing import AppClient, AppCliRunner

FlaskClient = AppClient
FlaskCliRunner = AppCliRunner
